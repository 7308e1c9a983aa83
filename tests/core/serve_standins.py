"""Stand-in components for ``pyrar serve``, so a test decides when each one is ready.

``python -m tests.core.serve_standins serve DIR PORT GATE`` runs ``pyrar.serve.serve`` with
two of them, each run as ``python -m tests.core.serve_standins component ...``:

- ``slow`` listens on PORT at once (as eppd's supervisor binds its port before any worker
  serves) but reports ready only once the file GATE exists;
- ``quick`` reports ready as soon as it can connect to PORT.
"""

from __future__ import annotations

import signal
import socket
import sys
import threading
from pathlib import Path

from pyrar.components import Component, ServeOptions
from pyrar.readiness import ReadyNotifier
from pyrar.serve import serve
from pyrar.serve_endpoints import Endpoint
from registry.config import Config

PROGRAM = (sys.executable, "-m", "tests.core.serve_standins")


def run_serve(directory: str, port: int, gate: str) -> int:
    def endpoints(_config: Config, _options: ServeOptions) -> list[Endpoint]:
        return [Endpoint("EPP", "127.0.0.1", port, "[eppd] port", "the slow stand-in")]

    components = (
        Component("slow", lambda _o: ["component", "slow", str(port), gate], endpoints),
        Component("quick", lambda _o: ["component", "quick", str(port)]),
    )
    return serve(Config.from_text("", Path(directory)), ServeOptions(), components,
                 notifier=ReadyNotifier.take_from_environment(), program=PROGRAM)


def run_component(name: str, port: int, gate: str | None = None) -> int:
    notifier = ReadyNotifier.take_from_environment()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if name == "slow":
        with socket.create_server(("127.0.0.1", port)):
            while not Path(gate).exists():
                if stop.wait(0.05):
                    return 0
            notifier.ready()
            stop.wait()
        return 0
    while not _connects(port):
        if stop.wait(0.05):
            return 0
    notifier.ready()
    stop.wait()
    return 0


def _connects(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
    except OSError:
        return False
    return True


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    if mode == "serve":
        sys.exit(run_serve(rest[0], int(rest[1]), rest[2]))
    sys.exit(run_component(rest[0], int(rest[1]), *rest[2:]))
