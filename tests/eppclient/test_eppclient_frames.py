"""Every frame the client builds, valid under our schemas and under the official XSDs
(shared/reference/epp/xsd, when present); framing, parsing and fee-1.0 reading alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from eppclient_world import REPO
from lxml import etree

from eppclient import commands, contact, domain, fee, host, rgp, secdns
from eppclient.documents import parse
from eppclient.domain import DomainChanges
from eppclient.errors import ConnectionLost, FrameError
from eppclient.framing import encode_frame, read_frame
from eppclient.namespaces import EPP, EXTENSIONS, FEE, LOGIN_SEC, OBJECTS
from eppclient.responses import parse_response
from schemas import load_schema
from tests.schemas.official_xsd import official_schema

# CI puts shared/ beside the repository; the team's worktrees sit one level deeper.
REFERENCE_XSD = next((p / "reference" / "epp" / "xsd" for p in
                      (REPO.parent / "shared", REPO.parent.parent / "shared")
                      if (p / "reference" / "epp" / "xsd").is_dir()), None)
DS = secdns.DsData(12345, 13, 2, "AB" * 32)
WHEN = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
CONTACT = contact.Contact("sh8013", "jd@example.com", (contact.PostalInfo(
    "John Doe", "Dulles", "US", ("123 Example Dr.", "Suite 100"), org="Example Inc.",
    sp="VA", pc="20166-6503"),), voice="+1.7035555555", fax="+1.7035555556",
    auth_info="2fooBAR")


def every_frame() -> dict[str, bytes]:
    c = "reg1"
    long_pw = "x" * 40
    fees = fee.check_extension((fee.FeeQuery("create"), fee.FeeQuery("renew", 2),
                                fee.FeeQuery("restore", None, phase="open")), "USD")
    frames = {
        "hello": commands.hello(),
        "login": commands.login(c, "secret-one", obj_uris=OBJECTS, ext_uris=EXTENSIONS,
                                lang="en", user_agent="test", login_sec=False).frame,
        "login loginSec": commands.login(c, long_pw, obj_uris=OBJECTS, ext_uris=(LOGIN_SEC,),
                                         lang="en", user_agent="test", login_sec=True,
                                         new_password="y" * 30).frame,
        "logout": commands.logout(c).frame,
        "poll req": commands.poll(c, "req").frame,
        "poll ack": commands.poll(c, "ack", "42").frame,
        "domain check fee": domain.check(c, ["a.example", "b.example"], [fees]).frame,
        "domain info": domain.info(c, "a.example", "2fooBAR", hosts="del").frame,
        "domain create": domain.create(
            c, "a.example", years=2, auth_info="2fooBAR", ns=("ns1.a.example",),
            registrant="sh8013", contacts=(("admin", "sh8013"), ("tech", "sh8013")),
            extensions=[secdns.create_extension((DS,), 604800),
                        fee.agree_extension("create", Decimal("20.00"), "USD")]).frame,
        "domain renew": domain.renew(c, "a.example", date(2027, 12, 2), 1,
                                     [fee.agree_extension("renew", Decimal("10"), None)]).frame,
        "domain delete": domain.delete(c, "a.example", []).frame,
        "domain update": domain.update(
            c, "a.example", add=DomainChanges(("ns2.a.example",), (("billing", "sh8013"),),
                                              ("clientHold",)),
            rem=DomainChanges(statuses=("clientTransferProhibited",)), registrant="sh8014",
            auth_info="3fooBAR",
            extensions=[secdns.update_extension((DS,), remove_all=True, max_sig_life=3600,
                                                urgent=True)]).frame,
        "secDNS rem some": domain.update(
            c, "a.example", extensions=[secdns.update_extension(rem=(DS,))]).frame,
        "restore request": domain.update(
            c, "a.example", verb="restore",
            extensions=[rgp.request_extension(),
                        fee.agree_extension("update", Decimal("50.00"), "USD")]).frame,
        "restore report": domain.update(c, "a.example", verb="restore", extensions=[
            rgp.report_extension(rgp.RestoreReport("pre", "post", WHEN, WHEN, "error",
                                                   other="none"))]).frame,
        "host create": host.create(c, "ns1.a.example", ("192.0.2.1", "2001:db8::1")).frame,
        "host check": host.check(c, ("ns1.a.example",)).frame,
        "host info": host.info(c, "ns1.a.example").frame,
        "host update": host.update(c, "ns1.a.example", add_addresses=("192.0.2.2",),
                                   rem_addresses=("192.0.2.1",),
                                   add_statuses=("clientUpdateProhibited",),
                                   new_name="ns9.a.example").frame,
        "host delete": host.delete(c, "ns1.a.example").frame,
        "contact create": contact.create(c, CONTACT).frame,
        "contact check": contact.check(c, ("sh8013", "sh8014")).frame,
        "contact info": contact.info(c, "sh8013", "2fooBAR").frame,
        "contact update": contact.update(c, "sh8013", postal=CONTACT.postal, voice="+1.1",
                                         email="x@example.com", auth_info="4fooBAR",
                                         add_statuses=("clientDeleteProhibited",)).frame,
        "contact delete": contact.delete(c, "sh8013").frame,
    }
    for op in domain.TRANSFER_OPS:
        frames[f"transfer {op}"] = domain.transfer(
            c, op, "a.example", "2fooBAR", 1 if op == "request" else None,
            [fee.agree_extension("transfer", Decimal("8"), "USD")] if op == "request"
            else []).frame
    return frames


FRAMES = every_frame()


@pytest.fixture(scope="module")
def official(tmp_path_factory) -> etree.XMLSchema:
    if REFERENCE_XSD is None:
        pytest.skip("the official XSDs are not in shared/reference/epp/xsd beside the "
                    "repository (CI puts them there)")
    return official_schema(REFERENCE_XSD, tmp_path_factory.mktemp("official"))


@pytest.mark.parametrize("name", sorted(FRAMES))
def test_frame_is_valid_under_our_schemas(name):
    schema = load_schema()
    assert schema.validate(etree.fromstring(FRAMES[name])), schema.error_log


@pytest.mark.parametrize("name", sorted(FRAMES))
def test_frame_is_valid_under_the_official_xsds(official, name):
    assert official.validate(etree.fromstring(FRAMES[name])), official.error_log


def test_user_data_is_escaped_never_spliced():
    hostile = 'x</domain:name><domain:name>evil.example&amp;"'
    frame = domain.info("reg1", hostile).frame
    names = etree.fromstring(frame).findall(".//{urn:ietf:params:xml:ns:domain-1.0}name")
    assert [n.text for n in names] == [hostile]


def test_long_password_travels_in_login_sec_only():
    frame = commands.login("reg1", "p" * 40, obj_uris=OBJECTS, ext_uris=(LOGIN_SEC,),
                           lang="en", user_agent="PyRar", login_sec=True).frame
    doc = etree.fromstring(frame)
    assert doc.findtext(f".//{{{EPP}}}pw") == commands.LOGIN_SECURITY
    assert doc.findtext(f".//{{{LOGIN_SEC}}}pw") == "p" * 40
    with pytest.raises(ValueError, match="loginSec"):
        commands.login("reg1", "p" * 40, obj_uris=OBJECTS, ext_uris=(), lang="en",
                       user_agent="PyRar", login_sec=False)


def test_transfer_query_is_not_a_transform_but_request_is():
    assert not domain.transfer("r", "query", "a.example", None, None, []).transform
    assert domain.transfer("r", "request", "a.example", "x", None, []).transform
    assert not domain.info("r", "a.example").transform
    assert not commands.poll("r", "ack", "1").transform


def feed(chunks: list[bytes], eof: bool = True) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    for chunk in chunks:
        reader.feed_data(chunk)
    if eof:
        reader.feed_eof()
    return reader


def test_frames_are_read_whole_however_the_bytes_arrive():
    payload = commands.hello()
    data = encode_frame(payload) * 2

    async def read_two():
        reader = feed([data[i:i + 1] for i in range(len(data))])
        return [await read_frame(reader, 1024), await read_frame(reader, 1024)]

    assert asyncio.run(read_two()) == [payload, payload]


@pytest.mark.parametrize("data, error", [
    (encode_frame(b"x" * 2000), FrameError),           # over the maximum
    ((3).to_bytes(4, "big"), FrameError),              # shorter than its own header
    (encode_frame(b"<epp/>")[:7], ConnectionLost),     # closed mid-frame
    (b"", ConnectionLost),
])
def test_bad_framing_is_refused(data, error):
    async def read():
        return await read_frame(feed([data]), 1024)

    with pytest.raises(error):
        asyncio.run(read())


def test_a_doctype_is_refused():
    with pytest.raises(FrameError, match="DOCTYPE"):
        parse(('<?xml version="1.0"?><!DOCTYPE epp [<!ENTITY x "y">]>'
               f'<epp xmlns="{EPP}"><hello/></epp>').encode())


def response(body: str, ext: str = "", result: str = '<result code="1000"><msg>ok</msg>'
             "</result>") -> bytes:
    extension = f"<extension>{ext}</extension>" if ext else ""
    return (f'<epp xmlns="{EPP}" xmlns:fee="{FEE}"><response>{result}{body}{extension}'
            "<trID><clTRID>c1</clTRID><svTRID>s1</svTRID></trID></response></epp>").encode()


def test_fee_check_answer_with_classes_credits_and_reasons():
    frame = response("", """<fee:chkData><fee:currency>EUR</fee:currency>
      <fee:cd avail="1"><fee:objID>premium.example</fee:objID><fee:class>premium</fee:class>
        <fee:command name="create" standard="0"><fee:period unit="y">2</fee:period>
          <fee:fee description="Registration Fee" refundable="1" grace-period="P5D">
            100.00</fee:fee>
          <fee:fee description="Early Access Fee" refundable="0">20.50</fee:fee>
        </fee:command>
        <fee:command name="renew"><fee:period unit="m">12</fee:period>
          <fee:fee>100.00</fee:fee><fee:credit description="promo">-5.00</fee:credit>
        </fee:command>
      </fee:cd>
      <fee:cd avail="0"><fee:objID>taken.example</fee:objID>
        <fee:reason>not available</fee:reason></fee:cd></fee:chkData>""")
    checks = fee.parse_check(parse_response(parse(frame), frame).extension(FEE, "chkData"))
    premium, taken = checks["premium.example"], checks["taken.example"]
    assert premium.premium and premium.currency == "EUR"
    create = premium.quote("create")
    assert create.years == 2 and create.total == Decimal("120.50")
    assert create.fees[0].refundable and create.fees[0].grace_period == "P5D"
    assert create.fees[1].description == "Early Access Fee"
    renew = premium.quote("renew")
    assert renew.years == 1 and renew.total == Decimal("95.00") and renew.standard is None
    assert not taken.available and taken.reason == "not available" and not taken.quotes


def test_fee_charge_with_balance():
    frame = response("", "<fee:creData><fee:currency>USD</fee:currency><fee:fee>5.00</fee:fee>"
                     "<fee:balance>-5.00</fee:balance><fee:creditLimit>1000.00"
                     "</fee:creditLimit></fee:creData>")
    charge = fee.parse_charge(parse_response(parse(frame), frame).extension(FEE, "creData"))
    assert charge.total == Decimal("5.00") and charge.balance == Decimal("-5.00")
    assert charge.credit_limit == Decimal("1000.00")


def test_ext_values_keep_foreign_elements_whole():
    frame = response("", result=(
        '<result code="1301"><msg>queued</msg><extValue><value><x:thing xmlns:x="urn:x">'
        "<x:inner>kept</x:inner></x:thing></value><reason>urn:x not in login services"
        "</reason></extValue></result>"))
    [value] = parse_response(parse(frame), frame).ext_values
    assert value.namespace == "urn:x" and value.reason == "urn:x not in login services"
    assert b"<x:inner>kept</x:inner>" in value.xml()
