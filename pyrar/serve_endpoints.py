"""The ports ``pyrar serve``'s components listen on (``pyrar.components``): checked free
before they start, announced to the operator once every component is ready."""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass
from pathlib import Path

CREDENTIALS_NAME = "credentials.json"  # written beside the configuration by 'pyrar init'


class PortsTaken(Exception):
    """Another program listens where a component must; nothing was started."""


@dataclass(frozen=True)
class Endpoint:
    label: str
    host: str
    port: int
    key: str        # the configuration key that sets the port
    note: str
    udp: bool = False   # also on UDP (DNS): a port taken on UDP only is taken too

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def listening(endpoint: Endpoint) -> bool:
    """Whether something listens there (TCP, and UDP for a UDP endpoint). Tested by
    binding, not connecting: a connection would show up in eppd's log as a session that
    never began. SO_REUSEADDR makes the TCP bind fail only on a listening socket, not on
    connections lingering in TIME_WAIT."""
    kinds = [socket.SOCK_STREAM, socket.SOCK_DGRAM] if endpoint.udp else [socket.SOCK_STREAM]
    return any(_bound(endpoint, kind) for kind in kinds)


def _bound(endpoint: Endpoint, kind: int) -> bool:
    family = socket.AF_INET6 if ":" in endpoint.host else socket.AF_INET
    with socket.socket(family, kind) as sock:
        if kind == socket.SOCK_STREAM:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((endpoint.host, endpoint.port))
        except OSError as e:
            # any other error (not an address of this machine, say): the component will
            # fail on it too, and say so
            return e.errno == errno.EADDRINUSE
    return False


def refuse_taken(found: list[Endpoint], config_path: Path | None) -> None:
    """Raise PortsTaken naming every endpoint another program already listens on."""
    taken = [e for e in found if listening(e)]
    if taken:
        where = f" in {config_path}" if config_path else ""
        raise PortsTaken(
            "already in use: " + ", ".join(
                f"{e.address}{' (TCP or UDP)' if e.udp else ''} ({e.label}, {e.key})"
                for e in taken)
            + f"; stop what listens there or choose other ports{where}. Nothing started")
