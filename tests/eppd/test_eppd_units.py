"""Pure functions of eppd: response documents, password masking, request reading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import etree

from eppd.backend import CommandReply, MessageQueue, ResultValue, ServiceMenu
from eppd.frame_log import mask_secrets
from eppd.framing import plain_ip
from eppd.limits import FileLockSessionLimiter, LocalSessionLimiter
from eppd.parsing import parse_frame
from eppd.requests import Command, NotARequest, read_login, read_request
from eppd.responses import format_datetime, greeting, response
from eppd.result_codes import MESSAGES
from eppd.server import resolved_settings
from eppd.transactions import SvTridSource
from eppd.validation import EppValidator
from registry.config import Config, ConfigError

EPP = "urn:ietf:params:xml:ns:epp-1.0"
DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"
LOGIN_SEC = "urn:ietf:params:xml:ns:epp:loginSec-1.0"


@pytest.fixture(scope="module")
def validator():
    return EppValidator()


def test_every_result_code_gives_a_valid_response(validator):
    for code in MESSAGES:
        validator.validate(parse_frame(response(CommandReply(code), "cl-1", "sv-1")))


def test_response_with_values_msgq_resdata_and_extension_is_valid(validator):
    name = etree.Element(f"{{{DOMAIN}}}name", nsmap={"domain": DOMAIN})
    name.text = "bad..example"
    chk = etree.Element(f"{{{DOMAIN}}}chkData", nsmap={"domain": DOMAIN})
    cd = etree.SubElement(chk, f"{{{DOMAIN}}}cd")
    etree.SubElement(cd, f"{{{DOMAIN}}}name", avail="0").text = "a.example"
    reply = CommandReply(
        1000,
        values=(ResultValue(name), ResultValue(etree.fromstring("<x/>"), "because\n  it is")),
        res_data=(chk,),
        msg_queue=MessageQueue(3, "17", datetime(2026, 1, 2, 3, 4, 5, 678000, UTC),
                               "Transfer requested."),
    )
    frame = response(reply, None, "sv-2")
    validator.validate(parse_frame(frame))
    assert b'<msgQ count="3" id="17"><qDate>2026-01-02T03:04:05.678Z</qDate>' in frame
    assert b"<reason>because it is</reason>" in frame
    assert b"<clTRID>" not in frame


def test_long_reasons_are_clipped(validator):
    frame = response(CommandReply(2001, "x" * 5000), "cl-1", "sv-1")
    validator.validate(parse_frame(frame))
    assert len(frame) < 1000


def test_greeting_is_valid_and_lists_the_menu(validator):
    menu = ServiceMenu(obj_uris=(DOMAIN,), ext_uris=("urn:ietf:params:xml:ns:secDNS-1.1",))
    frame = greeting("PyRar", datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC), menu)
    validator.validate(parse_frame(frame))
    assert b"<svDate>2026-05-06T07:08:09.000Z</svDate>" in frame
    assert b"<extURI>urn:ietf:params:xml:ns:secDNS-1.1</extURI>" in frame


def test_dates_must_be_utc():
    with pytest.raises(ValueError):
        format_datetime(datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=2))))


@pytest.mark.parametrize("frame, hidden", [
    (b"<login><clID>r</clID><pw>hunter22</pw><newPW>n3w-secret</newPW></login>",
     [b"hunter22", b"n3w-secret"]),
    (b'<domain:authInfo><domain:pw roid="X-1">2fooBAR!</domain:pw></domain:authInfo>',
     [b"2fooBAR!"]),
    (b"<loginSec:pw>a very long passphrase\nwith newline</loginSec:pw>",
     [b"long passphrase"]),
    (b"<contact:pw><![CDATA[c<d>at]]></contact:pw>", [b"c<d>at"]),
])
def test_passwords_are_masked(frame, hidden):
    text = mask_secrets(frame)
    assert "*****" in text
    for secret in hidden:
        assert secret.decode() not in text


def test_masking_keeps_the_rest_and_stays_on_one_line():
    text = mask_secrets(b"<domain:pw/>\n<domain:name>a.example</domain:name>\x00")
    assert text == "<domain:pw/>\\x0a<domain:name>a.example</domain:name>\\x00"


def _doc(body: str) -> etree._Element:
    return parse_frame(f'<epp xmlns="{EPP}">{body}</epp>'.encode())


def test_read_request_names_the_objects():
    command = read_request(_doc(
        f'<command><check><domain:check xmlns:domain="{DOMAIN}">'
        + "".join(f"<domain:name>n{i}.example</domain:name>" for i in range(7))
        + "</domain:check></check><clTRID>abc</clTRID></command>"))
    assert isinstance(command, Command)
    assert (command.verb, command.object_uri, command.cl_trid) == ("check", DOMAIN, "abc")
    assert command.object_ids == ("n0.example", "n1.example", "n2.example", "n3.example",
                                  "n4.example", "+2")


def test_read_request_refuses_server_documents():
    with pytest.raises(NotARequest) as refused:
        read_request(_doc("<response><result code='1000'><msg>x</msg></result>"
                          "<trID><svTRID>abc</svTRID></trID></response>"))
    assert refused.value.code == 2001


def test_login_security_passwords_replace_the_placeholder():
    command = read_request(_doc(
        "<command><login><clID>reg1</clID><pw>[LOGIN-SECURITY]</pw>"
        "<newPW>[LOGIN-SECURITY]</newPW><options><version>1.0</version><lang>en</lang>"
        f"</options><svcs><objURI>{DOMAIN}</objURI><svcExtension><extURI>{LOGIN_SEC}"
        "</extURI></svcExtension></svcs></login><extension>"
        f'<loginSec:loginSec xmlns:loginSec="{LOGIN_SEC}"><loginSec:pw>an old passphrase '
        "longer than sixteen</loginSec:pw><loginSec:newPW>a new passphrase longer than "
        "sixteen</loginSec:newPW></loginSec:loginSec></extension></command>"))
    login = read_login(command)
    assert login.password == "an old passphrase longer than sixteen"
    assert login.new_password == "a new passphrase longer than sixteen"
    assert login.ext_uris == (LOGIN_SEC,)


@pytest.mark.parametrize("kind", ["local", "file"])
def test_session_limiter_counts_per_registrar(kind, tmp_path):
    def make():
        if kind == "local":
            return LocalSessionLimiter(2)
        return FileLockSessionLimiter(tmp_path, 2)

    limiter = make()
    assert limiter.acquire("a/../x") and limiter.acquire("a/../x")
    assert not limiter.acquire("a/../x")
    assert limiter.acquire("b")
    limiter.release("a/../x")
    assert limiter.acquire("a/../x")
    assert not limiter.acquire("a/../x")
    if kind == "file":
        # A second limiter (another worker) sees the same slots.
        other = make()
        assert other.acquire("b") and not other.acquire("b")
        limiter.release("b")
        assert other.acquire("b")


def test_svtrids_are_unique_valid_tokens():
    first, second = SvTridSource("PyRar"), SvTridSource("PyRar")
    ids = {first.next() for _ in range(100)} | {second.next() for _ in range(100)}
    assert len(ids) == 200
    assert all(3 <= len(i) <= 64 and " " not in i for i in ids)


@pytest.mark.parametrize("host, plain", [
    ("::ffff:192.0.2.1", "192.0.2.1"), ("192.0.2.1", "192.0.2.1"), ("::1", "::1"),
    ("2001:db8::1", "2001:db8::1"),
])
def test_ipv4_mapped_peers_are_reported_as_ipv4(host, plain):
    assert plain_ip(host) == plain


def test_settings_paths_resolve_against_the_config_file(tmp_path):
    path = tmp_path / "pyrar.toml"
    path.write_text('[eppd]\ncert = "c/server.pem"\nport = 7001\n')
    settings = resolved_settings(Config.load(path, environ={"PYRAR_EPPD_IDLE_TIMEOUT": "5"}))
    assert settings.cert == str(tmp_path / "c" / "server.pem")
    assert (settings.port, settings.idle_timeout, settings.backend_calls) == (7001, 5.0, "threads")


def test_unknown_backend_calls_mode_is_a_config_error(tmp_path):
    path = tmp_path / "pyrar.toml"
    path.write_text('[eppd]\nbackend_calls = "greenlets"\n')
    with pytest.raises(ConfigError, match="backend_calls"):
        resolved_settings(Config.load(path, environ={}))
