"""``pyrar rdap serve`` with ``[rdap] workers`` above 1: the port bound once here, then one
process per worker serving it (rdap/server.py), each with its own registry connections,
rate buckets (a share of the rate) and query counter (the counts add up in the database).

This process only watches: ready once every worker listens; SIGTERM or SIGINT stops them
all; a worker that dies stops the others and this command exits 1, for ``pyrar serve`` (or
systemd) to start RDAP again whole, as it does any component that stops.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
from multiprocessing.connection import wait
from multiprocessing.synchronize import Event

from rdap import server as rdap_server
from rdap.config import RdapSettings
from registry.config import Config
from registry.service import Registry

from .context import CliError
from .service_loop import until_stopped

log = logging.getLogger("pyrar.rdap")
STOP_SECONDS = 10.0


def serve_workers(ctx) -> None:
    settings = ctx.config.section("rdap", RdapSettings)
    sock = rdap_server.listening_socket(settings)
    spawn = multiprocessing.get_context("spawn")
    events = [spawn.Event() for _ in range(settings.workers)]
    workers = [spawn.Process(target=_worker, args=(ctx.config, sock, event, os.getpid()),
                             name=f"rdap-{n}") for n, event in enumerate(events)]
    stopping = False

    def request_stop(_signum, _frame) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        for worker in workers:
            worker.start()
        if _wait_ready(workers, events, lambda: stopping):
            log.info("RDAP on %s:%s in %d workers", settings.host, settings.port, len(workers))
            ctx.ready()
        while not stopping and all(w.is_alive() for w in workers):
            wait([w.sentinel for w in workers], timeout=0.5)
        dead = [w for w in workers if not w.is_alive()]
        if dead and not stopping:
            raise CliError(f"RDAP worker {dead[0].name} exited with status {dead[0].exitcode}"
                           "; the others are stopped")
    finally:
        _stop_all(workers)
        sock.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _wait_ready(workers, events: list[Event], stopping) -> bool:
    """True once every worker listens; False when one died first or a stop came."""
    while not stopping():
        if all(e.is_set() for e in events):
            return True
        if not all(w.is_alive() for w in workers):
            return False
        wait([w.sentinel for w in workers], timeout=0.1)
    return False


def _worker(config: Config, sock: socket.socket, listening: Event, parent: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    registry = Registry.from_config(config)
    try:
        asyncio.run(until_stopped(lambda: rdap_server.start(config, registry, sock),
                                  listening.set, parent))
    finally:
        sock.close()
        registry.close()


def _stop_all(workers) -> None:
    live = [w for w in workers if w.is_alive()]
    for worker in live:
        worker.terminate()
    for worker in live:
        worker.join(STOP_SECONDS)
        if worker.is_alive():
            log.warning("%s did not stop; killing it", worker.name)
            worker.kill()
            worker.join()
