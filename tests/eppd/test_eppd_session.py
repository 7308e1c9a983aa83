"""Session behaviour over real TLS: greeting, hello, login/logout, limits, timeouts, logs."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest
from eppd_client import (
    DOMAIN,
    EPP,
    HOST,
    domain_check,
    domain_info,
    hello,
    login,
    logout,
    result_code,
)
from eppd_servers import PASSWORDS, start_server, stop_server
from eppd_toy_backend import GATED, OPEN
from lxml import etree

NS = {"e": EPP}


def svtrid(frame: bytes) -> str:
    return etree.fromstring(frame).findtext("e:response/e:trID/e:svTRID", namespaces=NS)


# Greeting and hello


def test_greeting_on_connect_is_current_and_complete(server):
    before = datetime.now(UTC).replace(microsecond=0)  # svDate has milliseconds
    with server.connect() as client:
        doc = etree.fromstring(client.greeting)  # schema-checked by the client already
    after = datetime.now(UTC)
    greeting = doc.find("e:greeting", NS)
    assert greeting.findtext("e:svID", namespaces=NS) == "PyRar test server"
    assert before <= datetime.fromisoformat(greeting.findtext("e:svDate", namespaces=NS)) <= after
    menu = greeting.find("e:svcMenu", NS)
    assert [v.text for v in menu.findall("e:version", NS)] == ["1.0"]
    assert [v.text for v in menu.findall("e:lang", NS)] == ["en"]
    assert [v.text for v in menu.findall("e:objURI", NS)] == [DOMAIN, HOST]


# A hello's greeting has the time of the hello: test_eppd_session_clock.py, on a clock.


# Login


def test_login_echoes_cltrid_and_issues_unique_svtrids(server):
    with server.connect() as client:
        reply = client.request(login("reg1", PASSWORDS["reg1"], cl_trid="ABC-12345"))
        assert result_code(reply) == 1000
        assert b"<clTRID>ABC-12345</clTRID>" in reply
        ids = {svtrid(reply)} | {svtrid(client.request(domain_check("x.example")))
                                 for _ in range(5)}
    assert len(ids) == 6


def test_commands_before_login_are_a_use_error(server):
    with server.connect() as client:
        assert result_code(client.request(domain_check("a.example"))) == 2002
        assert result_code(client.request(logout())) == 2002
        assert result_code(client.request(login("reg1", PASSWORDS["reg1"]))) == 1000


def test_second_login_is_a_use_error(server):
    with server.logged_in() as client:
        assert result_code(client.request(login("reg1", PASSWORDS["reg1"]))) == 2002
        assert result_code(client.request(domain_check("a.example"))) == 1000


def test_third_failed_login_closes_the_connection(server):
    with server.connect() as client:
        assert result_code(client.request(login("reg1", "wrong-pw-1"))) == 2200
        assert result_code(client.request(login("nobody", "wrong-pw-2"))) == 2200
        assert result_code(client.request(login("reg1", "wrong-pw-3"))) == 2501
        client.expect_closed()


def test_login_for_an_unserved_object_or_language_is_refused(server):
    with server.connect() as client:
        reply = client.request(login("reg1", PASSWORDS["reg1"],
                                     obj_uris=("urn:example:widget-1.0",)))
        assert result_code(reply) == 2307
        assert result_code(client.request(login("reg1", PASSWORDS["reg1"], lang="fr"))) == 2102
        # Two failures so far; a good login still gets in.
        assert result_code(client.request(login("reg1", PASSWORDS["reg1"]))) == 1000


def test_logout_answers_1500_and_closes(server):
    with server.logged_in() as client:
        reply = client.request(logout(cl_trid="bye-1"))
        assert result_code(reply) == 1500
        assert b"<clTRID>bye-1</clTRID>" in reply
        client.expect_closed()


# Backend calls


def test_blocking_backend_call_does_not_freeze_other_sessions(server):
    held = f"{GATED}{uuid.uuid4().hex[:12]}.example"
    with server.logged_in() as slow, server.logged_in("reg2") as fast:
        answer: list[bytes] = []
        thread = threading.Thread(target=lambda: answer.append(
            slow.request(domain_info(held))))
        thread.start()
        try:
            assert server.log_mentions(f"toy backend holds {held}")
            for _ in range(3):
                assert etree.fromstring(fast.request(hello())).find("e:greeting", NS) is not None
            # Answered while the held command was in the backend, not queued behind it.
            assert not answer
        finally:
            assert result_code(fast.request(domain_info(OPEN + held))) == 2303
            thread.join(30)
        assert result_code(answer[0]) == 2303


def test_backend_exception_is_2400_and_the_session_survives(server):
    with server.logged_in() as client:
        assert result_code(client.request(domain_info("crash.example"))) == 2400
        assert result_code(client.request(domain_check("after.example"))) == 1000


# Logging


def test_one_log_line_per_command_and_no_password_in_frames(server):
    with server.logged_in("reg2") as client:
        client.request(domain_check("log-a.example", "log-b.example"))
    server.log_matching(r"clid=reg2 cmd=login obj=reg2 code=1000 ms=\d+\.\d")
    server.log_matching(r"clid=reg2 cmd=domain:check obj=log-a.example,log-b.example "
                        r"code=1000 ms=\d+\.\d")
    text = server.log_text()  # the frames were logged (debug) before those lines ...
    assert "<pw>*****</pw>" in text
    assert PASSWORDS["reg2"] not in text  # ... with the password masked


# Limits and timeouts (a server with a 1 s idle timeout and 2 sessions a registrar)


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory, pki, schema_check):
    running = start_server(tmp_path_factory.mktemp("strict"), pki, schema_check,
                           idle_timeout=1.0, max_sessions_per_registrar=2)
    yield running
    stop_server(running)


def test_session_limit_per_registrar(strict_server):
    with strict_server.logged_in() as first, strict_server.logged_in():
        with strict_server.connect() as third:
            assert result_code(third.request(login("reg1", PASSWORDS["reg1"]))) == 2502
            third.expect_closed()
        # Another registrar is not affected.
        with strict_server.logged_in("reg2"):
            pass
        assert result_code(first.request(logout())) == 1500
        first.expect_closed()  # its slot was freed before the server closed
        with strict_server.logged_in():
            pass


def test_idle_session_is_closed(strict_server):
    # The idle timeout from the configuration, on the real reactor; when exactly it closes,
    # and what keeps a session alive (commands, not bytes; a slow command is not idleness),
    # is in test_eppd_session_clock.py.
    with strict_server.connect() as client:
        client.sock.settimeout(30)  # a deadline far beyond the 1 s idle timeout
        client.expect_closed()


def test_inline_backend_calls_serve_too(tmp_path, pki, schema_check):
    running = start_server(tmp_path, pki, schema_check, backend_calls="inline")
    try:
        with running.logged_in() as client:
            assert result_code(client.request(domain_check("inline.example"))) == 1000
            assert result_code(client.request(domain_info("crash.example"))) == 2400
            assert result_code(client.request(logout())) == 1500
    finally:
        stop_server(running)
