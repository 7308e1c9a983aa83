"""Connections that have not logged in: a short TLS handshake timeout, and a cap per source
address, so strangers cannot crowd out registrars; answers are never held back by Nagle."""

from __future__ import annotations

import socket

import pytest
from eppd_client import login, result_code
from eppd_servers import PASSWORDS, start_server, stop_server
from twisted.internet import task
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from eppd.framing import EppFrameFactory

CAP = 3


@pytest.fixture(scope="module")
def guarded(tmp_path_factory, pki, schema_check):
    running = start_server(tmp_path_factory.mktemp("guarded"), pki, schema_check,
                           handshake_timeout=1.0, max_pending_per_address=CAP)
    yield running
    stop_server(running)


def stranger(server, source: str) -> socket.socket:
    """A TCP connection that never starts TLS."""
    return socket.create_connection((server.host, server.port), timeout=5,
                                    source_address=(source, 0))


def closed_by_server(sock: socket.socket, within: float = 5.0) -> bool:
    """Whether the server closes ``sock`` before ``within`` seconds pass."""
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def refused(server, source: str) -> bool:
    """Whether a new connection from ``source`` is closed by the server at once (the reset
    may even reach a client still inside connect())."""
    try:
        sock = stranger(server, source)
    except ConnectionResetError:
        return True
    with sock:
        return closed_by_server(sock)


def test_an_address_holds_only_a_few_connections_not_logged_in(guarded):
    held = [stranger(guarded, "127.0.0.3") for _ in range(CAP)]
    try:
        assert refused(guarded, "127.0.0.3")
        # another address is served as usual, meanwhile
        with guarded.connect(source="127.0.0.4") as client:
            assert result_code(client.request(login("reg1", PASSWORDS["reg1"]))) == 1000
    finally:
        for sock in held:
            sock.close()
    assert guarded.log_mentions("127.0.0.3: 1 connection(s) refused")


def test_logged_in_sessions_do_not_count(guarded):
    sessions = [guarded.connect(source="127.0.0.5") for _ in range(CAP)]
    try:
        for client in sessions:
            assert result_code(client.request(login("reg1", PASSWORDS["reg1"]))) == 1000
        with guarded.connect(source="127.0.0.5") as one_more:  # CAP logged in, 1 pending
            assert one_more.greeting
    finally:
        for client in sessions:
            client.close()


def test_a_tls_handshake_not_finished_in_time_is_dropped(guarded):
    """Before, the handshake had the 600 s idle timeout: a silent stranger held a socket for
    10 minutes."""
    with stranger(guarded, "127.0.0.6") as sock:
        assert closed_by_server(sock)


class RecordingTransport(StringTransport):
    no_delay = False

    def setTcpNoDelay(self, enabled: bool) -> None:
        self.no_delay = enabled


def framing(max_pending: int = CAP):
    clock = task.Clock()
    factory = EppFrameFactory(lambda peer, channel: None, 65536, 10.0, clock, max_pending)
    return factory, clock


def connect(factory, host: str = "192.0.2.1"):
    address = IPv4Address("TCP", host, 40000)
    protocol = factory.buildProtocol(address)
    if protocol is None:
        return None, None
    transport = RecordingTransport(peerAddress=address)
    protocol.makeConnection(transport)
    return protocol, transport


def test_frames_are_not_held_back_by_nagle():
    factory, _ = framing()
    _, transport = connect(factory)
    assert transport.no_delay


def test_a_refused_connection_is_closed_at_accept_and_counts_nothing():
    factory, clock = framing(max_pending=1)
    first, _ = connect(factory)
    assert connect(factory) == (None, None)  # the port closes it: no protocol, no TLS
    assert factory.admission.pending("192.0.2.1") == 1
    first.logged_in()  # the session logged in: the address may open another
    assert factory.admission.pending("192.0.2.1") == 0
    _, third = connect(factory)
    assert not third.disconnecting
    first.connectionLost(None)
    assert factory.admission.pending("192.0.2.1") == 1  # only the third
    assert len(clock.getDelayedCalls()) == 1  # the third's handshake timer, no other
