"""``pyrar serve``: every component of a PyRar installation, each in its own process.

Each component (``pyrar.components``) is a command of its own (``pyrar eppd``, ``pyrar zone
serve``, ``pyrar lifecycle run --every``...) so production can run them under any process
manager; ``serve`` starts them together, says where they listen once every one of them
reports that it serves (``pyrar.readiness``), restarts one that dies and stops them all on
SIGINT or SIGTERM.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from pyrar.components import COMPONENTS, Component, ServeOptions, endpoints
from pyrar.readiness import NOTIFY_SOCKET, ReadyInbox, ReadyNotifier
from pyrar.serve_endpoints import Endpoint, refuse_taken
from registry.config import Config

log = logging.getLogger("pyrar.serve")
RESTART_BACKOFF = (1, 2, 5, 10, 30)
STOP_TIMEOUT = 15.0
# how long the components may take to be ready before serve says which one is not
READY_WARNING_SECONDS = 60.0
PYRAR = (sys.executable, "-m", "pyrar.cli.main")


@dataclass
class Running:
    """A component's process as serve keeps it running."""

    component: Component
    args: list[str]
    process: subprocess.Popen | None = None
    failures: int = 0
    started_at: float = 0.0
    exited_at: float | None = None


@dataclass
class Readiness:
    """Announces the endpoints once every component has reported that it serves
    (``pyrar.readiness``), then tells whoever started serve (systemd, say) the same."""

    inbox: ReadyInbox
    found: list[Endpoint]
    pending: list[str]
    notifier: ReadyNotifier
    started_at: float = field(default_factory=time.monotonic)
    warned: bool = False

    def wait(self, timeout: float) -> None:
        """Take the reports that arrive within ``timeout`` seconds."""
        for name in self.inbox.wait(timeout):
            if name in self.pending:
                self.pending.remove(name)
                log.info("%s is ready", name)
                if not self.pending:
                    self._announce()
        if (self.pending and not self.warned
                and time.monotonic() - self.started_at > READY_WARNING_SECONDS):
            self.warned = True
            log.warning("still not ready after %.0f s: %s (see the messages above)",
                        READY_WARNING_SECONDS, ", ".join(self.pending))

    def _announce(self) -> None:
        log.info("PyRar is running; Ctrl-C (SIGINT) or SIGTERM stops every component")
        for e in self.found:
            log.info("  %-3s on %s: %s", e.label, e.address, e.note)
        self.notifier.ready()


def serve(config: Config, options: ServeOptions,
          components: tuple[Component, ...] = COMPONENTS,
          notifier: ReadyNotifier | None = None,
          program: Sequence[str] = PYRAR) -> int:
    """Run the components until SIGINT or SIGTERM; raises PortsTaken (nothing started) when
    another program holds one of their ports. Each component runs as ``program`` (the
    ``pyrar`` command) with its arguments; ``notifier`` hears when every one serves."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s serve %(levelname)s: %(message)s")
    found = endpoints(config, options, components)
    refuse_taken(found, config.path)
    base = list(program)
    if config.path is not None:
        base += ["--config", str(config.path)]
    parts = [Running(c, c.command(options)) for c in components]
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        if not stop.is_set():
            log.info("%s: stopping every component", signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, request_stop)
    inbox = ReadyInbox(c.name for c in components)
    ready = Readiness(inbox, found, [c.name for c in components], notifier or ReadyNotifier())
    try:
        while not stop.is_set():
            for part in parts:
                _keep_running(part, base, inbox.address(part.component.name))
            ready.wait(0.5)
    finally:
        _stop_all(parts)
        inbox.close()
    return 0


def _stop_all(parts: list[Running]) -> None:
    # on Ctrl-C the terminal signalled the children too; SIGTERM again does no harm
    for part in parts:
        if part.process and part.process.poll() is None:
            part.process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for part in parts:
        if part.process is None:
            continue
        try:
            part.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s (pid %s) did not stop in %.0f s; killing it", part.component.name,
                        part.process.pid, STOP_TIMEOUT)
            part.process.kill()
            part.process.wait()
    log.info("stopped")


def _die_with_parent(parent: int) -> None:
    """Linux PR_SET_PDEATHSIG: a child gets SIGTERM if serve itself is killed outright."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    if os.getppid() != parent:      # serve died between the fork and the prctl
        os.kill(os.getpid(), signal.SIGTERM)


def _keep_running(part: Running, base: list[str], notify_socket: str) -> None:
    now = time.monotonic()
    if part.process is not None:
        code = part.process.poll()
        if code is None:
            if now - part.started_at > 60:
                part.failures = 0  # it has been stable: forget earlier crashes
            return
        if part.exited_at is None:
            part.exited_at, part.failures = now, part.failures + 1
            log.error("%s (pid %s) exited with status %s; starting it again in %s s",
                      part.component.name, part.process.pid, code, _backoff(part))
        if now - part.exited_at < _backoff(part):
            return
    part.process = subprocess.Popen(base + part.args,
                                    env={**os.environ, NOTIFY_SOCKET: notify_socket},
                                    preexec_fn=functools.partial(_die_with_parent, os.getpid()))
    part.started_at, part.exited_at = now, None
    log.info("started %s (pid %s)", part.component.name, part.process.pid)


def _backoff(part: Running) -> int:
    return RESTART_BACKOFF[min(part.failures, len(RESTART_BACKOFF)) - 1]
