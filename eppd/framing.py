"""RFC 5734 framing: a 4-byte big-endian length (header included), then the XML."""

from __future__ import annotations

import ipaddress
import logging

from twisted.internet.interfaces import IHandshakeListener, IPushProducer, IReactorTime
from twisted.internet.protocol import Factory, Protocol
from twisted.python.failure import Failure
from zope.interface import implementer

from eppd.admission import Admission
from eppd.channel import FrameSink, Peer, SinkFactory
from eppd.tls import NoPeerCertificate, peer_fingerprint

log = logging.getLogger("eppd.connections")

HEADER_BYTES = 4
# A header announcing less than this cannot carry even a one-byte document.
MIN_FRAME_BYTES = HEADER_BYTES + 1
# After a graceful close, how long a peer may take to answer our TLS close_notify.
CLOSE_GRACE_SECONDS = 5.0


@implementer(IHandshakeListener, IPushProducer)
class EppFrameProtocol(Protocol):
    """Cuts the byte stream into frames for a sink and writes the sink's frames.

    Frames wait while the sink is busy with a command, and reading stops when a pipelining
    client has a maximum frame's worth waiting or the peer is not reading our writes, so no
    client makes us buffer without bound.
    """

    def __init__(self, make_sink: SinkFactory, max_frame_bytes: int,
                 handshake_timeout: float, clock: IReactorTime,
                 admission: Admission, admitted: str) -> None:
        self._make_sink = make_sink
        self._max_frame_bytes = max_frame_bytes
        self._handshake_timeout = handshake_timeout
        self._clock = clock
        self._admission = admission
        self._admitted: str | None = admitted  # counted as not logged in until it is
        self._buffer = bytearray()
        self._sink: FrameSink | None = None
        self._peer_label = "?"
        self._paused_by_sink = False
        self._paused_by_writes = False
        self._reading_paused = False
        self._delivering = False
        self._closing = False
        self._timer = None

    # Connection lifecycle

    def connectionMade(self) -> None:
        peer = self.transport.getPeer()
        self._peer_label = f"{peer.host}:{peer.port}"
        # Frames are written whole: Nagle's algorithm would hold a greeting or an answer
        # back until the client's delayed ACK (about 40 ms) for nothing.
        self.transport.setTcpNoDelay(True)
        self._timer = self._clock.callLater(self._handshake_timeout, self._abort,
                                            "no TLS handshake in time")
        self.transport.registerProducer(self, True)

    def handshakeCompleted(self) -> None:
        self._cancel_timer()
        try:
            fingerprint = peer_fingerprint(self.transport.getHandle())
        except NoPeerCertificate:
            self._abort("no client certificate")
            return
        address = self.transport.getPeer()
        peer = Peer(plain_ip(address.host), address.port, fingerprint)
        self._sink = self._make_sink(peer, self)
        log.info("%s connected, client certificate %s", self._peer_label, fingerprint)
        self._sink.start()
        self._deliver()

    def connectionLost(self, reason: Failure = None) -> None:
        self._cancel_timer()
        self.logged_in()  # whatever it was, it counts no more
        self._closing = True
        self._buffer.clear()
        text = reason.getErrorMessage() if reason is not None else "closed"
        if self._sink is None:
            log.info("%s closed before the session began: %s", self._peer_label, text)
            return
        sink, self._sink = self._sink, None
        sink.connection_lost(text)

    # Reading

    def dataReceived(self, data: bytes) -> None:
        if self._closing:
            return
        self._buffer += data
        if self._paused_by_sink:
            self._update_reading()
        self._deliver()

    def _deliver(self) -> None:
        # A sink may resume us from inside frame_received (a synchronous reply); the flag
        # keeps that from re-entering this loop.
        if self._delivering or self._sink is None:
            return
        self._delivering = True
        try:
            while not (self._closing or self._paused_by_sink):
                payload = self._next_frame()
                if payload is None:
                    break
                self._sink.frame_received(payload)
        finally:
            self._delivering = False

    def _next_frame(self) -> bytes | None:
        if len(self._buffer) < HEADER_BYTES:
            return None
        length = int.from_bytes(self._buffer[:HEADER_BYTES], "big")
        # Judged on the header alone, before any of the payload is kept.
        if not MIN_FRAME_BYTES <= length <= self._max_frame_bytes:
            # A graceful close: answers already written for earlier frames still reach the
            # client; nothing more is read, and the grace timer aborts a peer that lingers.
            log.warning("%s bad frame header", self._peer_label)
            self.close(f"frame length {length} outside {MIN_FRAME_BYTES}.."
                       f"{self._max_frame_bytes}")
            return None
        if len(self._buffer) < length:
            return None
        payload = bytes(self._buffer[HEADER_BYTES:length])
        del self._buffer[:length]
        return payload

    # Channel, for the sink

    def send_frame(self, payload: bytes) -> None:
        if self._closing:
            return
        header = (len(payload) + HEADER_BYTES).to_bytes(HEADER_BYTES, "big")
        self.transport.write(header + payload)

    def close(self, reason: str) -> None:
        if self._closing:
            return
        log.info("%s closing: %s", self._peer_label, reason)
        self._closing = True
        self._buffer.clear()
        # The TLS layer postpones its close_notify while a producer is registered.
        self.transport.unregisterProducer()
        self.transport.loseConnection()
        self._timer = self._clock.callLater(CLOSE_GRACE_SECONDS, self._abort,
                                            "peer did not finish closing")

    def logged_in(self) -> None:
        if self._admitted is not None:
            self._admission.release(self._admitted)
            self._admitted = None

    def pause(self) -> None:
        self._paused_by_sink = True
        self._update_reading()

    def resume(self) -> None:
        self._paused_by_sink = False
        self._update_reading()
        self._deliver()

    # IPushProducer, driven by the transport's write buffer

    def pauseProducing(self) -> None:
        self._paused_by_writes = True
        self._update_reading()

    def resumeProducing(self) -> None:
        self._paused_by_writes = False
        self._update_reading()

    def stopProducing(self) -> None:
        self._closing = True

    # Internals

    def _update_reading(self) -> None:
        # While the sink is busy, frames a client pipelines are kept up to one maximum frame;
        # only beyond that is the socket paused. Pausing on every command would cost two
        # epoll_ctl calls each time for clients that never pipeline.
        wanted = self._paused_by_writes or (
            self._paused_by_sink and len(self._buffer) >= self._max_frame_bytes)
        if wanted == self._reading_paused or self._closing:
            return
        self._reading_paused = wanted
        if wanted:
            self.transport.pauseProducing()
        else:
            self.transport.resumeProducing()

    def _abort(self, reason: str) -> None:
        self._timer = None
        log.warning("%s dropped: %s", self._peer_label, reason)
        self._closing = True
        self._buffer.clear()
        self.transport.abortConnection()

    def _cancel_timer(self) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None


def plain_ip(host: str) -> str:
    """IPv4 clients of a dual-stack ("::") listener appear as ::ffff:a.b.c.d; registrar
    allow-lists hold a.b.c.d."""
    try:
        mapped = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host
    if isinstance(mapped, ipaddress.IPv6Address) and mapped.ipv4_mapped is not None:
        return str(mapped.ipv4_mapped)
    return host


class EppFrameFactory(Factory):
    """Builds one framing protocol per connection; shared state lives in ``make_sink``."""

    noisy = False

    def __init__(self, make_sink: SinkFactory, max_frame_bytes: int,
                 handshake_timeout: float, clock: IReactorTime,
                 max_pending_per_address: int) -> None:
        self._make_sink = make_sink
        self._max_frame_bytes = max_frame_bytes
        self._handshake_timeout = handshake_timeout
        self._clock = clock
        self.admission = Admission(max_pending_per_address, clock)

    def buildProtocol(self, addr: object) -> EppFrameProtocol | None:
        """None when ``addr`` holds its share of connections not logged in: Twisted then
        closes the socket at once, before any TLS work (see listener.CountingTLSFactory)."""
        address = plain_ip(addr.host)
        if not self.admission.admit(address):
            return None
        return EppFrameProtocol(self._make_sink, self._max_frame_bytes,
                                self._handshake_timeout, self._clock, self.admission, address)
