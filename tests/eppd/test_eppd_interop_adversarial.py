"""Hostile clients against ``pyrar eppd`` on the real registry core (one worker, so every
attack lands in the process serving everyone else): XXE, billion laughs, deep nesting, a 4 GB
length header, truncated, garbage and mis-framed input, no or an untrusted client certificate,
a client sending one byte a second, a pile of idle connections.

test_eppd_transport.py covers the transport against the toy backend; here a registrar session
doing real checks and infos (``interop_probe.Probe``) runs throughout, and after each attack it
must have gone on getting 1000s, the server must still be up, and the attacker's own session,
where it survives, must still work.
"""

from __future__ import annotations

import os
import socket
import ssl
import struct
import threading
import time

import pytest
from eppd_client import Closed
from eppd_core_frames import create
from eppd_core_world import NS
from interop_probe import Probe
from interop_sandbox import running_sandbox
from lxml import etree

ATTACKER, OTHER, PROBE = "registrar1", "registrar2", "registrar3"
REFUSED = (ssl.SSLError, Closed, ConnectionError)
EPP = NS["e"]
CHECK = (f'<epp xmlns="{EPP}"><command><check><domain:check xmlns:domain="{NS["d"]}">'
         "<domain:name>still-here.example</domain:name></domain:check></check>"
         "<clTRID>adv-check</clTRID></command></epp>").encode()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory, schema_check):
    with running_sandbox(tmp_path_factory.mktemp("interop-adversarial"), schema_check,
                         settings={"eppd_idle_timeout": 60}) as box:
        yield box


@pytest.fixture(scope="module")
def probe(sandbox):
    name = "probed.example"
    with sandbox.session(PROBE) as epp:
        assert create(epp, name).code == 1000
        running = Probe(epp, name)
        running.start()
        running.served_since(0.0)
        yield running
        running.stop()
    assert not running.errors, running.errors
    assert sandbox.alive()
    assert "Traceback" not in sandbox.log_text()  # errors are written at once


@pytest.fixture
def attack(sandbox, probe):
    """Marks when the attack starts; afterwards the probe, the server and a new session
    must be fine."""
    mark = time.monotonic()
    yield
    probe.served_since(mark)
    assert sandbox.alive()
    with sandbox.session(OTHER) as epp:
        assert epp.raw(CHECK.decode()).code == 1000


def frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload) + 4) + payload


def code_of(reply: bytes) -> int:
    return int(etree.fromstring(reply).find(f"{{{EPP}}}response/{{{EPP}}}result").get("code"))


# XML


def test_xxe_reads_no_file_and_fetches_nothing(sandbox, attack):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.settimeout(1.0)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/dtd"
        hostile = [
            f'<?xml version="1.0"?><!DOCTYPE epp [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            f'<epp xmlns="{EPP}"><command><check><domain:check xmlns:domain="{NS["d"]}">'
            "<domain:name>&x;</domain:name></domain:check></check></command></epp>",
            f'<?xml version="1.0"?><!DOCTYPE epp [<!ENTITY % p SYSTEM "{url}"> %p;]>'
            f'<epp xmlns="{EPP}"><hello/></epp>',
            f'<?xml version="1.0"?><!DOCTYPE epp SYSTEM "{url}"><epp xmlns="{EPP}"><hello/></epp>',
            f'<epp xmlns="{EPP}" xmlns:xi="http://www.w3.org/2001/XInclude"><command><check>'
            f'<domain:check xmlns:domain="{NS["d"]}"><domain:name><xi:include href="{url}"/>'
            "</domain:name></domain:check></check></command></epp>",
        ]
        xinclude = (f'<epp xmlns="{EPP}" xmlns:xi="http://www.w3.org/2001/XInclude">'
                    f'<hello><xi:include href="{url}"/></hello></epp>')
        with sandbox.session(ATTACKER) as epp:
            for text in hostile:
                reply = epp.client.request(text.encode())
                assert code_of(reply) == 2001
                assert b"root:" not in reply
            # epp-1.0.xsd gives <hello> no type (anyType): any content is valid and the
            # answer is a greeting; XInclude is not processed
            assert b"<greeting>" in epp.client.request(xinclude.encode())
            assert epp.raw(CHECK.decode()).code == 1000
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody came for the DTD or the XInclude


def test_billion_laughs_and_deep_nesting_are_refused(sandbox, attack):
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)]
    laughs = (f'<?xml version="1.0"?><!DOCTYPE epp [{"".join(entities)}]>'
              f'<epp xmlns="{EPP}"><command><check><domain:check xmlns:domain="{NS["d"]}">'
              "<domain:name>&lol9;</domain:name></domain:check></check></command></epp>")
    nested = f'<epp xmlns="{EPP}">' + "<a>" * 50_000 + "</a>" * 50_000 + "</epp>"
    with sandbox.session(ATTACKER) as epp:
        for hostile in (laughs.encode(), nested.encode()):
            assert code_of(epp.client.request(hostile)) == 2001
        assert epp.raw(CHECK.decode()).code == 1000


# Framing


@pytest.mark.parametrize("length", [0xFFFFFFFF, 0x80000000, 3])
def test_absurd_length_header_is_closed_at_once(sandbox, attack, length):
    epp = sandbox.connect(ATTACKER)
    try:
        sandbox.login(epp, ATTACKER)
        epp.client.send_raw(struct.pack(">I", length) + os.urandom(1024))
        # not held open waiting for 4 GB: closed long before the 60 s idle timeout
        epp.client.sock.settimeout(30)
        epp.client.expect_closed()
    finally:
        epp.close()


def test_truncated_garbage_and_undecodable_frames(sandbox, attack):
    # a header promising more than ever comes, then the client vanishes
    cut = sandbox.connect(ATTACKER)
    cut.client.send_raw(struct.pack(">I", 500) + CHECK[:100])
    cut.close()
    with sandbox.session(ATTACKER) as epp:
        for junk in (CHECK[:-7], os.urandom(512), b"\x00" * 64, b"\xff\xfe<\x00e\x00",
                     CHECK.replace(b"still-here", b"\xc3\x28still"), b"<epp", b" "):
            assert code_of(epp.client.request(junk)) == 2001, junk
        assert epp.raw(CHECK.decode()).code == 1000


def test_length_header_without_its_own_four_bytes(sandbox, attack):
    """eppzy's framing (see ../shared/reference/epp/frames/clients/eppzy): we read 4 bytes
    short, so the document is broken, and its last 4 bytes ("epp>") become an absurd length:
    the connection is closed - gracefully, so the 2001 for the broken document still
    arrives first."""
    epp = sandbox.connect(ATTACKER)
    try:
        sandbox.login(epp, ATTACKER)
        epp.client.send_raw(struct.pack(">I", len(CHECK)) + CHECK)
        assert code_of(epp.client.read_frame()) == 2001
        epp.client.expect_closed()
    finally:
        epp.close()
    assert sandbox.log_mentions(f"closing: frame length {int.from_bytes(b'epp>', 'big')}")


# TLS


def test_no_client_certificate_gets_no_greeting(sandbox, attack):
    with pytest.raises(REFUSED):
        sandbox.connect(None).close()


def test_untrusted_client_certificate_gets_no_greeting(sandbox, attack, pki):
    # pki.untrusted claims to be "reg1" but is signed by a CA the sandbox does not trust
    with pytest.raises(REFUSED):
        sandbox.connect(None, cert=pki.untrusted).close()


def test_another_registrars_certificate_cannot_log_in(sandbox, attack):
    epp = sandbox.connect(OTHER)  # registrar2's certificate, registrar1's credentials
    try:
        assert epp.login(ATTACKER, sandbox.registrars[ATTACKER].password).code == 2200
    finally:
        epp.close()


# Pacing


def test_one_byte_a_second(sandbox, attack, probe):
    """A logged-in client dribbling a check one byte a second holds up nobody, and gets its
    answer when the frame is complete."""
    data = frame(CHECK)
    slow = sandbox.connect(ATTACKER)
    sandbox.login(slow, ATTACKER)
    sent = 0
    stop = threading.Event()

    def dribble() -> None:
        nonlocal sent
        while sent < 5 and not stop.wait(1.0):
            slow.client.send_raw(data[sent:sent + 1])
            sent += 1

    mark = time.monotonic()
    thread = threading.Thread(target=dribble)
    thread.start()
    try:
        thread.join(15)
        # the probe went on while the frame trickled in
        assert len(probe.served_since(mark, rounds=20)) >= 20
        slow.client.send_raw(data[sent:])
        assert code_of(slow.client.read_frame()) == 1000
    finally:
        stop.set()
        thread.join()
        slow.close()
    assert sent == 5


def test_many_idle_connections(sandbox, attack, probe):
    idle = []
    try:
        for _ in range(40):
            idle.append(sandbox.connect(ATTACKER))
        mark = time.monotonic()
        probe.served_since(mark)
    finally:
        for epp in idle:
            epp.close()
