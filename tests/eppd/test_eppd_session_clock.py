"""Session timing on an injected clock: eppd's framing protocol and sessions, as the worker
assembles them (``eppd.application.session_factory``), over Twisted's ``StringTransport``
with a ``task.Clock``. Idle timeouts, activity and slow commands are decided by the clock
alone, so these tests neither sleep nor depend on how loaded the machine is; the same
behaviour over real TLS sockets is in test_eppd_session.py."""

from __future__ import annotations

import struct
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

import pytest
from cryptography import x509
from eppd_client import EPP, domain_check, domain_info, hello, login, result_code
from eppd_servers import MAX_FRAME, PASSWORDS
from eppd_toy_backend import Registrar, ToyBackend
from lxml import etree
from twisted.internet import defer, task
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from certs import fingerprint
from eppd.application import session_factory
from eppd.calls import InlineCalls
from eppd.config import EppdSettings
from eppd.framing import EppFrameFactory, EppFrameProtocol
from eppd.reader import ValidatingReader
from eppd.validation import EppValidator

IDLE = 1.0
HANDSHAKE = 10.0


class HeldCalls:
    """A CallRunner whose calls, while ``hold`` is set, wait until the test releases them:
    a backend as slow as the test wants, with no thread and no sleep."""

    def __init__(self) -> None:
        self.hold = False
        self._held: list[tuple[Callable[..., Any], tuple[Any, ...], defer.Deferred]] = []

    def run(self, fn: Callable[..., Any], *args: Any, share: Hashable = None) -> defer.Deferred:
        if not self.hold:
            return InlineCalls().run(fn, *args)
        d: defer.Deferred = defer.Deferred()
        self._held.append((fn, args, d))
        return d

    @property
    def waiting(self) -> int:
        return len(self._held)

    def release(self) -> None:
        self.hold = False
        held, self._held = self._held, []
        for fn, args, d in held:
            d.callback(fn(*args))


class PeerTls:
    """What the framing protocol asks of a finished TLS handshake: the client certificate."""

    def __init__(self, cert: x509.Certificate | None) -> None:
        self._cert = cert

    def get_peer_certificate(self, as_cryptography: bool = False) -> x509.Certificate | None:
        return self._cert


class TlsStringTransport(StringTransport):
    def __init__(self, tls: PeerTls) -> None:
        super().__init__(hostAddress=IPv4Address("TCP", "127.0.0.1", 7000),
                         peerAddress=IPv4Address("TCP", "127.0.0.1", 40000))
        self._tls = tls
        self.no_delay = False

    def getHandle(self) -> PeerTls:
        return self._tls

    def setTcpNoDelay(self, enabled: bool) -> None:  # a TCP transport's, as TLS's is
        self.no_delay = enabled


class Connection:
    """One client connection: bytes in, frames out (each checked against the schemas)."""

    def __init__(self, protocol: EppFrameProtocol, transport: TlsStringTransport,
                 check: Callable[[bytes], None]) -> None:
        self.protocol = protocol
        self.transport = transport
        self._check = check
        self._buffer = bytearray()

    def send(self, data: bytes) -> None:
        self.protocol.dataReceived(data)

    def send_frame(self, payload: bytes) -> None:
        self.send(struct.pack(">I", len(payload) + 4) + payload)

    def frames(self) -> list[bytes]:
        """Every frame the server sent since the last call."""
        self._buffer += self.transport.value()
        self.transport.clear()
        frames = []
        while len(self._buffer) >= 4:
            length = struct.unpack(">I", self._buffer[:4])[0]
            frames.append(bytes(self._buffer[4:length]))
            del self._buffer[:length]
        for frame in frames:
            self._check(frame)
        return frames

    def request(self, payload: bytes) -> bytes:
        self.send_frame(payload)
        (reply,) = self.frames()
        return reply

    @property
    def closed(self) -> bool:
        return self.transport.disconnecting


@pytest.fixture
def clock() -> task.Clock:
    return task.Clock()


@pytest.fixture
def calls() -> HeldCalls:
    return HeldCalls()


def frame_factory(clock: task.Clock, calls: HeldCalls, backend: ToyBackend,
                  settings: EppdSettings) -> EppFrameFactory:
    """What a worker listens with (eppd.worker), on the test's clock and calls."""
    make_sink = session_factory(clock, settings, "PyRar test server", backend, calls,
                                ValidatingReader(backend.service_menu, EppValidator()))
    return EppFrameFactory(make_sink, settings.max_frame_bytes, settings.handshake_timeout,
                           clock, settings.max_pending_per_address)


def accept(factory: EppFrameFactory, transport: TlsStringTransport) -> EppFrameProtocol:
    protocol = factory.buildProtocol(transport.getPeer())
    protocol.makeConnection(transport)
    return protocol


@pytest.fixture
def connect(pki, schema_check, clock, calls) -> Callable[[str], Connection]:
    """Opens connections to sessions sharing one backend, limiter and clock (as one worker's
    sessions do), the TLS handshake done with ``clid``'s certificate."""
    certs = {clid: x509.load_pem_x509_certificate(c.cert.read_bytes())
             for clid, c in pki.clients.items()}
    backend = ToyBackend({clid: Registrar(PASSWORDS[clid], fingerprint(c.cert.read_bytes()))
                          for clid, c in pki.clients.items()})
    factory = frame_factory(clock, calls, backend, EppdSettings(
        idle_timeout=IDLE, max_sessions_per_registrar=2, max_frame_bytes=MAX_FRAME,
        handshake_timeout=HANDSHAKE))

    def open_connection(clid: str = "reg1") -> Connection:
        transport = TlsStringTransport(PeerTls(certs[clid]))
        protocol = accept(factory, transport)
        protocol.handshakeCompleted()
        assert transport.no_delay  # frames go out whole, not held back by Nagle
        connection = Connection(protocol, transport, schema_check)
        (greeting,) = connection.frames()
        assert b"<greeting>" in greeting
        return connection

    return open_connection


def logged_in(connect: Callable[[str], Connection], clid: str = "reg1") -> Connection:
    connection = connect(clid)
    assert result_code(connection.request(login(clid, PASSWORDS[clid]))) == 1000
    return connection


def sv_date(frame: bytes) -> datetime:
    return datetime.fromisoformat(
        etree.fromstring(frame).findtext(f"{{{EPP}}}greeting/{{{EPP}}}svDate"))


def test_hello_answers_with_a_greeting_of_the_current_time(connect, clock):
    connection = connect()
    clock.advance(IDLE / 2)
    first = sv_date(connection.request(hello()))
    clock.advance(IDLE / 4)
    assert (sv_date(connection.request(hello())) - first).total_seconds() == IDLE / 4


def test_idle_session_is_closed_after_the_idle_timeout_and_not_before(connect, clock):
    connection = connect()
    clock.advance(IDLE - 0.01)
    assert not connection.closed
    clock.advance(0.02)
    assert connection.closed and not connection.transport.disconnected  # closed, not aborted
    assert connection.frames() == []


def test_activity_keeps_a_session_alive(connect, clock):
    connection = logged_in(connect)
    for _ in range(4):
        clock.advance(IDLE / 2)
        assert result_code(connection.request(domain_check("alive.example"))) == 1000
    assert not connection.closed
    clock.advance(IDLE + 0.01)
    assert connection.closed


def test_bytes_without_a_whole_frame_do_not_keep_a_session_alive(connect, clock):
    connection = connect()
    partial = b"\x00\x00\x00\x40<epp xmlns="
    for byte in partial[:3]:
        connection.send(bytes([byte]))
        clock.advance(IDLE / 4)
        assert not connection.closed
    connection.send(partial[3:4])
    clock.advance(IDLE / 4 + 0.01)  # a byte a quarter of the idle timeout, and still closed
    assert connection.closed


def test_a_slow_command_is_not_idleness(connect, clock, calls):
    connection = logged_in(connect)
    calls.hold = True
    connection.send_frame(domain_info("held.example", cl_trid="cl-held"))
    assert calls.waiting == 1
    clock.advance(IDLE * 5)  # the backend is slow, not the client
    assert not connection.closed and connection.frames() == []
    calls.release()
    (reply,) = connection.frames()
    assert result_code(reply) == 2303 and b"<clTRID>cl-held</clTRID>" in reply
    clock.advance(IDLE - 0.01)  # idleness counts from the answer
    assert not connection.closed
    clock.advance(0.02)
    assert connection.closed


def test_frames_wait_while_a_command_is_in_the_backend(connect, calls):
    connection = logged_in(connect)
    calls.hold = True
    connection.send_frame(domain_info("held.example", cl_trid="cl-held"))
    connection.send_frame(domain_check("next.example", cl_trid="cl-next"))
    assert calls.waiting == 1 and connection.frames() == []  # one command at a time
    calls.release()
    held, following = connection.frames()
    assert b"<clTRID>cl-held</clTRID>" in held and result_code(held) == 2303
    assert b"<clTRID>cl-next</clTRID>" in following and result_code(following) == 1000


def test_header_and_payload_split_across_reads(connect):
    connection = connect()
    payload = hello()
    frame = struct.pack(">I", len(payload) + 4) + payload
    for piece in (frame[:1], frame[1:3], frame[3:6], frame[6:40]):
        connection.send(piece)
        assert connection.frames() == []
    connection.send(frame[40:])
    (reply,) = connection.frames()
    assert b"<greeting>" in reply


def test_a_connection_without_a_handshake_is_dropped(clock, calls):
    factory = frame_factory(clock, calls, ToyBackend({}),
                            EppdSettings(handshake_timeout=HANDSHAKE))
    transport = TlsStringTransport(PeerTls(None))
    accept(factory, transport)
    clock.advance(HANDSHAKE - 0.01)
    assert not transport.disconnecting
    clock.advance(0.02)
    assert transport.disconnected and transport.value() == b""  # aborted, nothing said
