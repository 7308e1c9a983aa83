"""TLS and RFC 5734 framing over real sockets, including hostile clients."""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import struct
import threading

import pytest
from eppd_client import (
    EPP,
    Closed,
    EppClient,
    client_context,
    domain_check,
    domain_info,
    hello,
    login,
    result_code,
)
from eppd_servers import MAX_FRAME, PASSWORDS
from eppd_toy_backend import SLOW_NAME

from tests.waiting import wait_for

RFC9325_TLS12 = {
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305",
}
REFUSED = (ssl.SSLError, Closed, ConnectionError)


def is_greeting(frame: bytes) -> bool:
    return f'<epp xmlns="{EPP}"><greeting>'.encode() in frame


# TLS


def test_tls13_with_a_registrar_certificate_is_served(server):
    with server.connect() as client:
        assert client.sock.version() == "TLSv1.3"
        assert is_greeting(client.greeting)


def test_tls12_uses_only_rfc9325_ciphers(server):
    ctx = client_context(server.pki.ca, server.pki.clients["reg1"],
                         maximum=ssl.TLSVersion.TLSv1_2)
    with EppClient(server.host, server.port, ctx, check=server.check) as client:
        assert client.sock.version() == "TLSv1.2"
        assert client.sock.cipher()[0] in RFC9325_TLS12


def test_tls12_cbc_cipher_is_refused(server):
    ctx = client_context(server.pki.ca, server.pki.clients["reg1"],
                         maximum=ssl.TLSVersion.TLSv1_2, ciphers="ECDHE-ECDSA-AES128-SHA")
    with pytest.raises(REFUSED):
        EppClient(server.host, server.port, ctx)
    assert server.log_mentions("no shared cipher")


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")
def test_tls11_is_refused(server):
    # SECLEVEL=0 lets this client offer TLS 1.1 at all, so the refusal is the server's.
    ctx = client_context(server.pki.ca, server.pki.clients["reg1"],
                         minimum=ssl.TLSVersion.TLSv1, maximum=ssl.TLSVersion.TLSv1_1,
                         ciphers="DEFAULT:@SECLEVEL=0")
    with pytest.raises(REFUSED):
        EppClient(server.host, server.port, ctx)
    assert server.log_mentions("unsupported protocol")


def test_client_without_certificate_gets_no_greeting(server):
    with pytest.raises(REFUSED):
        server.connect(clid=None)
    assert server.log_mentions("peer did not return a certificate")


def test_certificate_from_an_untrusted_ca_gets_no_greeting(server):
    ctx = client_context(server.pki.ca, server.pki.untrusted)
    with pytest.raises(REFUSED):
        EppClient(server.host, server.port, ctx)
    assert server.log_mentions("certificate verify failed")


def test_login_sees_the_peer_certificate(server):
    # reg2's (valid) certificate with reg1's credentials: the backend gets reg2's fingerprint.
    with server.connect("reg2") as client:
        assert result_code(client.request(login("reg1", PASSWORDS["reg1"]))) == 2200


# Framing


# A header and payload split across reads: test_eppd_session_clock.py, byte by byte.


def test_several_frames_in_one_write_are_answered_in_order(server):
    with server.logged_in() as client:
        frames = [domain_check(f"n{i}.example", cl_trid=f"trid-{i}") for i in range(3)]
        client.send_raw(b"".join(struct.pack(">I", len(f) + 4) + f for f in frames))
        replies = [client.read_frame() for _ in frames]
    for i, reply in enumerate(replies):
        assert f"<clTRID>trid-{i}</clTRID>".encode() in reply
        assert result_code(reply) == 1000


def test_pipelining_beyond_a_maximum_frame_while_busy(server):
    # The first command blocks in the backend; more than a maximum frame's worth of commands
    # waits behind it, so the server must stop reading and later pick up where it stopped.
    frames = [domain_info(SLOW_NAME, cl_trid="trid-slow")]
    frames += [domain_check(f"p{i}.example", cl_trid=f"trid-{i}") for i in range(1000)]
    data = b"".join(struct.pack(">I", len(f) + 4) + f for f in frames)
    assert len(data) > 2 * MAX_FRAME
    with server.logged_in() as client:
        replies = client.pipeline(data, len(frames))
    assert b"<clTRID>trid-slow</clTRID>" in replies[0] and result_code(replies[0]) == 2303
    for i, reply in enumerate(replies[1:]):
        assert f"<clTRID>trid-{i}</clTRID>".encode() in reply


def test_trailing_whitespace_after_the_document(server):
    with server.connect() as client:
        assert is_greeting(client.request(hello() + b"\r\n \t\n"))


@pytest.mark.parametrize("length", [MAX_FRAME + 1, 0xFFFFFFFF, 4, 0])
def test_nonsensical_length_closes_without_waiting_for_the_payload(server, length):
    with server.connect() as client:
        # Only the header is sent: a server that buffered the payload would wait for it.
        client.send_raw(struct.pack(">I", length))
        # Closed at once: a server waiting for the payload would hold the connection until
        # its 60 s idle timeout, past this deadline.
        client.sock.settimeout(30)
        client.expect_closed()
    assert server.log_mentions(f"closing: frame length {length} outside 5..{MAX_FRAME}")


def test_largest_allowed_frame_is_read(server):
    padding = b" " * (MAX_FRAME - 4 - len(hello()))
    with server.connect() as client:
        assert is_greeting(client.request(hello() + padding))


def test_truncated_frame_then_disconnect_leaves_the_server_serving(server):
    with server.connect() as client:
        client.send_raw(struct.pack(">I", 200) + hello()[:50])
    with server.connect() as other:
        assert is_greeting(other.request(hello()))


def test_truncated_document_is_a_syntax_error(server):
    with server.connect() as client:
        assert result_code(client.request(hello()[:-6])) == 2001
        assert is_greeting(client.request(hello()))


def test_garbage_frame_is_a_syntax_error_and_the_session_goes_on(server):
    with server.logged_in() as client:
        assert result_code(client.request(os.urandom(300))) == 2001
        assert result_code(client.request(b"\x00\xff<epp>")) == 2001
        assert result_code(client.request(domain_check("still.example"))) == 1000


def test_doctype_is_refused(server):
    xxe = (b'<?xml version="1.0"?><!DOCTYPE epp [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>')
    with server.connect() as client:
        reply = client.request(xxe)
    assert result_code(reply) == 2001
    assert b"root:" not in reply


def test_schema_invalid_command_is_a_syntax_error_with_a_reason(server):
    invalid = f'<epp xmlns="{EPP}"><command><check/><clTRID>x-1</clTRID></command></epp>'
    with server.logged_in() as client:
        reply = client.request(invalid.encode())
    assert result_code(reply) == 2001
    assert b"Command syntax error: " in reply


# Hostile pacing


def test_one_byte_a_second_does_not_hold_up_other_sessions(server):
    frame = struct.pack(">I", len(hello()) + 4) + hello()
    slow = server.connect()
    stop = threading.Event()
    sent = 0

    def dribble() -> None:  # the pace of the attack, by design; nothing is timed
        nonlocal sent
        while sent < len(frame) - 1 and not stop.wait(1.0):
            slow.send_raw(frame[sent:sent + 1])
            sent += 1

    thread = threading.Thread(target=dribble)
    thread.start()
    try:
        with server.logged_in("reg2") as fast:
            # Served between the dribbled bytes, again and again, the frame still incomplete.
            served_at: set[int] = set()

            def served_meanwhile() -> bool:
                assert result_code(fast.request(domain_check("busy.example"))) == 1000
                served_at.add(sent)
                return len(served_at) >= 3

            wait_for("answers while three bytes dribble in", served_meanwhile, 30)
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join()
    with slow:
        assert sent >= 2
        slow.send_raw(frame[sent:])
        assert is_greeting(slow.read_frame())


def test_client_that_never_reads_is_paused_not_buffered(server):
    count = 4000
    frame = struct.pack(">I", len(hello()) + 4) + hello()
    with server.connect() as flood, server.connect("reg2") as other:
        stalled, probed = threading.Event(), threading.Event()
        probe: list[bytes] = []

        def probe_meanwhile() -> None:
            if stalled.wait(30):
                probe.append(other.request(hello()))
            probed.set()

        thread = threading.Thread(target=probe_meanwhile)
        thread.start()
        # The flood client reads nothing until the other session has been served; before
        # that, the server has stopped reading from it (its writes to it are not read).
        greetings = flood.pipeline(frame * count, count, stalled=stalled, read_when=probed)
        thread.join()
    assert probe and is_greeting(probe[0])
    assert len(greetings) == count and all(is_greeting(g) for g in greetings)


def test_server_refuses_plain_tcp_junk_and_keeps_serving(server):
    with socket.create_connection((server.host, server.port), timeout=3) as raw:
        raw.sendall(b"GET / HTTP/1.0\r\n\r\n")
        with contextlib.suppress(OSError):
            raw.recv(1024)
    with server.connect() as client:
        assert is_greeting(client.request(hello()))
