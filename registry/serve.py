"""``pyrar serve``: every component of a PyRar installation, each in its own process.

The EPP server, the DNS publisher and the lifecycle scheduler are separate commands
(``pyrar eppd``, ``pyrar zone serve``, ``pyrar lifecycle run --every``) so production can
run them under any process manager; ``serve`` starts them together, restarts one that dies
and stops them all on SIGINT or SIGTERM.
"""

from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from .config import Config

log = logging.getLogger("pyrar.serve")
RESTART_BACKOFF = (1, 2, 5, 10, 30)


@dataclass
class Component:
    name: str
    args: list[str]
    process: subprocess.Popen | None = None
    failures: int = 0
    started_at: float = 0.0
    exited_at: float | None = None


def components(workers: int | None) -> list[Component]:
    eppd = ["eppd"] + (["--workers", str(workers)] if workers else [])
    return [Component("eppd", eppd), Component("zonegen", ["zone", "serve"]),
            Component("lifecycle", ["lifecycle", "run", "--every", "60"])]


def serve(config: Config, workers: int | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s serve %(levelname)s: %(message)s")
    base = [sys.executable, "-m", "registry.cli.main"]
    if config.path is not None:
        base += ["--config", str(config.path)]
    parts = components(workers)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.is_set():
            for part in parts:
                _keep_running(part, base)
            stop.wait(0.5)
    finally:
        for part in parts:
            if part.process and part.process.poll() is None:
                part.process.terminate()
        for part in parts:
            if part.process:
                try:
                    part.process.wait(15)
                except subprocess.TimeoutExpired:
                    part.process.kill()
    return 0


def _die_with_parent() -> None:
    """Linux PR_SET_PDEATHSIG: a child gets SIGTERM if serve itself is killed outright."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def _keep_running(part: Component, base: list[str]) -> None:
    now = time.monotonic()
    if part.process is not None:
        code = part.process.poll()
        if code is None:
            if now - part.started_at > 60:
                part.failures = 0  # it has been stable: forget earlier crashes
            return
        if part.exited_at is None:
            part.exited_at, part.failures = now, part.failures + 1
            log.error("%s exited with status %s", part.name, code)
        delay = RESTART_BACKOFF[min(part.failures, len(RESTART_BACKOFF)) - 1]
        if now - part.exited_at < delay:
            return
    log.info("starting %s", part.name)
    part.process = subprocess.Popen(base + part.args, preexec_fn=_die_with_parent)
    part.started_at, part.exited_at = now, None
