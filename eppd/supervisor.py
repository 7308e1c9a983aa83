"""Keeps N worker processes alive; one dying does not take the others down.

The supervisor binds the listening socket itself and hands it to every worker it starts
(see eppd.listener), so a port in use fails the start at once, with the reason.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess

from eppd.listener import WorkerLoad, open_listening_socket
from eppd.worker import WorkerSpec, run_worker

log = logging.getLogger("eppd.supervisor")

# A worker that dies sooner than this after starting is restarted after a growing delay,
# so a broken configuration (port in use, unreadable key) does not spin.
STABLE_SECONDS = 10.0
MAX_BACKOFF_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
NOT_SERVING = 2**31 - 1  # the connection count of a worker slot with no process


@dataclass
class _Slot:
    process: BaseProcess | None = None
    started: float = 0.0
    restart_at: float = 0.0
    backoff: float = 0.5


def supervise(spec: WorkerSpec, workers: int) -> int:
    """Run ``workers`` processes until SIGTERM/SIGINT; returns the exit status."""
    if workers < 1:
        raise ValueError("at least one worker is needed")
    context = multiprocessing.get_context("spawn")
    # Each thread glibc sees allocating gets a malloc arena of its own, which it keeps: a
    # worker's backend threads took its resident memory from about 100 MB to 400 MB under
    # session churn and full checks (bench/epp_connect.py), against 165 MB with two arenas.
    # Read by glibc when a process starts, so set before the workers are; an operator's own
    # setting wins.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    sock = open_listening_socket(spec.settings.host, spec.settings.port)
    # Each worker's open connections; a slot with no worker listening is never the least busy.
    counts = context.RawArray("i", [NOT_SERVING] * workers)
    slots = [_Slot() for _ in range(workers)]
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not stopping:
            now = time.monotonic()
            for number, slot in enumerate(slots):
                if slot.process is None and now >= slot.restart_at:
                    load = WorkerLoad(counts, number)
                    slot.process = context.Process(target=run_worker,
                                                   args=(spec, sock, load),
                                                   name=f"{spec.name}-{number}", daemon=False)
                    slot.process.start()
                    slot.started = now
                    log.info("started %s (pid %s)", slot.process.name, slot.process.pid)
            running = [s.process.sentinel for s in slots if s.process is not None]
            wait(running, timeout=0.5)
            for number, slot in enumerate(slots):
                if slot.process is not None and not slot.process.is_alive():
                    counts[number] = NOT_SERVING
                    _reap(slot, stopping)
    finally:
        _stop_all(slots)
        sock.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0


def _reap(slot: _Slot, stopping: bool) -> None:
    process = slot.process
    process.join()
    slot.process = None
    if stopping:
        return
    now = time.monotonic()
    if now - slot.started < STABLE_SECONDS:
        slot.backoff = min(slot.backoff * 2, MAX_BACKOFF_SECONDS)
    else:
        slot.backoff = 0.5
    slot.restart_at = now + slot.backoff
    log.warning("%s (pid %s) exited with %s; restarting in %.1f s", process.name,
                process.pid, process.exitcode, slot.backoff)


def _stop_all(slots: list[_Slot]) -> None:
    live = [s.process for s in slots if s.process is not None and s.process.is_alive()]
    for process in live:
        process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for process in live:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            log.warning("%s did not stop; killing it", process.name)
            process.kill()
            process.join()
