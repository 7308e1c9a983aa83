"""How a component says that it serves: systemd's notify protocol, ``READY=1`` in a datagram
to the Unix socket named by ``$NOTIFY_SOCKET``.

``pyrar serve`` gives each component a socket of its own and announces the installation
once every component has reported (not when a port is merely bound: eppd's supervisor binds
its port before any worker can take a connection). The same report tells systemd a
``Type=notify`` unit is up when a component runs on its own (eppd reports from a worker
process: such a unit needs ``NotifyAccess=all``).
"""

from __future__ import annotations

import logging
import os
import select
import socket
import tempfile
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("pyrar.readiness")
NOTIFY_SOCKET = "NOTIFY_SOCKET"
READY = b"READY=1"


@dataclass(frozen=True)
class ReadyNotifier:
    """Where to report readiness; None when nobody listens. Picklable: eppd hands it to
    its worker processes."""

    address: str | None = None

    @classmethod
    def take_from_environment(cls, environ: MutableMapping[str, str] = os.environ
                              ) -> ReadyNotifier:
        """Taken out of the environment, so that a program the component starts (PowerDNS
        speaks this protocol too) cannot report in the component's name."""
        return cls(environ.pop(NOTIFY_SOCKET, None) or None)

    def ready(self) -> None:
        if not self.address:
            return
        # "@name": a socket in Linux's abstract namespace
        address = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            try:
                sock.sendto(READY, address)
            except OSError as e:
                log.warning("could not report readiness to %s: %s", self.address, e)


class ReadyInbox:
    """One notify socket per component name, in a directory only this user can enter."""

    def __init__(self, names: Iterable[str]) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="pyrar-serve-"))
        self._sockets: dict[str, socket.socket] = {}
        try:
            for name in names:
                sock = socket.socket(socket.AF_UNIX,
                                     socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                self._sockets[name] = sock
                sock.bind(str(self.directory / name))
                sock.setblocking(False)
        except BaseException:
            self.close()
            raise

    def address(self, name: str) -> str:
        return str(self.directory / name)

    def wait(self, timeout: float) -> list[str]:
        """The names whose component reported ready within ``timeout`` seconds (each once,
        however many reports it sent)."""
        by_fd = {s.fileno(): name for name, s in self._sockets.items()}
        readable, _, _ = select.select(list(by_fd), [], [], timeout)
        ready = []
        for fd in readable:
            name = by_fd[fd]
            while True:
                try:
                    message = self._sockets[name].recv(4096)
                except BlockingIOError:
                    break
                if READY in message.split(b"\n") and name not in ready:
                    ready.append(name)
        return ready

    def close(self) -> None:
        for sock in self._sockets.values():
            sock.close()
        for name in self._sockets:
            Path(self.address(name)).unlink(missing_ok=True)
        self.directory.rmdir()
