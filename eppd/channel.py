"""The seam between the framing protocol and the per-connection object it feeds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Peer:
    """The far end of a connection, known once the TLS handshake has verified it."""

    ip: str
    port: int
    cert_fingerprint: str


class Channel(Protocol):
    """What a sink may do to its connection; implemented by the framing protocol."""

    def send_frame(self, payload: bytes) -> None: ...

    def close(self, reason: str) -> None:
        """Flush what was sent, then close."""
        ...

    def pause(self) -> None:
        """Deliver no further frames until ``resume`` (one command at a time)."""
        ...

    def resume(self) -> None: ...

    def logged_in(self) -> None:
        """The session has logged in: the connection no longer counts as a stranger's."""
        ...


class FrameSink(Protocol):
    """Receives whole frames; knows nothing of sockets or TLS."""

    def start(self) -> None:
        """The handshake is done: the sink may send (the greeting)."""
        ...

    def frame_received(self, payload: bytes) -> None: ...

    def connection_lost(self, reason: str) -> None: ...


SinkFactory = Callable[[Peer, Channel], FrameSink]
