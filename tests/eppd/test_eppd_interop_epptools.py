"""Interop with epptools (PyPI, an independent EPP client): a registrar's whole domain
lifecycle against ``pyrar eppd`` over TLS with client certificates, as the library drives it.

Findings where epptools and the RFCs meet our server are in docs/epp-interop.md.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import epptools
import pytest
from eppd_core_world import STRONG
from epptools import Client, Contact, Frame
from epptools.namespaces import DOMAIN, HOST, RGP
from interop_clients import epptools_client
from interop_sandbox import running_sandbox

from pyrar.sandbox import SANDBOX_PRICES
from schemas.namespaces import BALANCE

A, B, C = "registrar1", "registrar2", "registrar3"
DS1 = {"key_tag": 12345, "alg": 13, "digest_type": 2, "digest": "A1" * 32}
DS2 = {"key_tag": 54321, "alg": 8, "digest_type": 2, "digest": "B2" * 32}
_labels = itertools.count(1)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory, schema_check):
    with running_sandbox(tmp_path_factory.mktemp("interop-epptools"), schema_check) as box:
        yield box


@pytest.fixture
def clients(sandbox):
    """Logged-in epptools clients for registrars A and B."""
    opened: list[Client] = []

    def login(clid: str) -> Client:
        client = epptools_client(sandbox, clid)
        opened.append(client)
        assert client.login().code() == 1000
        return client

    yield login(A), login(B)
    for client in opened:
        client.disconnect()


def label() -> str:
    return f"ept{next(_labels)}-{datetime.now(UTC):%H%M%S%f}"


def drain(client: Client) -> list[tuple[str | None, str | None]]:
    """(trStatus, notice text) of every queued message, each acked after reading."""
    seen: list[tuple[str | None, str | None]] = []
    count = client.poll.drain(lambda n: seen.append((n.transfer_status(), n.queue_message())))
    assert count == len(seen)
    return seen


def test_greeting_and_login_as_epptools_does_them(sandbox):
    client = epptools_client(sandbox, A)
    try:
        greeting = client._greeting  # what Client.connect() read and login() mirrors
        assert greeting.is_greeting()
        # and Verisign's balance mapping, which epptools looks for to show a balance
        assert set(greeting.service_obj_uris()) == {epptools.Namespaces.DOMAIN,
                                                    epptools.Namespaces.HOST,
                                                    epptools.Namespaces.CONTACT, BALANCE}
        assert {epptools.Namespaces.SECDNS, RGP, epptools.Namespaces.FEE,
                epptools.Namespaces.LOGINSEC} <= set(greeting.service_ext_uris())
        # epptools logs in with every URI of our greeting and a loginSec userAgent block.
        reply = client.login()
        assert reply.code() == 1000
        assert reply.cl_trid().startswith("PYTHON-SDK-")
        assert client.logout().code() == 1500
    finally:
        client.disconnect()


def test_full_lifecycle(sandbox, clients):
    a, b = clients
    name = f"{label()}.example"
    ns1, ns2 = f"ns1.{name[:-8]}.net", f"ns2.{name[:-8]}.net"
    contact = f"c{next(_labels)}{datetime.now(UTC):%M%S%f}"
    start_a, start_b = sandbox.balance(A), sandbox.balance(B)

    # check with fee
    check = a.domain.check([name, "nic.example"],
                           fee={"create": [1, 2], "renew": 1, "transfer": 1, "restore": 1})
    assert check.code() == 1000
    assert check.availability() == {name: True, "nic.example": False}
    assert check.unavailable_reason("nic.example")
    assert check.fees()["_currency"] == "USD"
    assert check.fee_for(name, "create", 1) == "10.00"
    assert check.fee_for(name, "create", 2) == "20.00"
    assert check.fee_for(name, "renew", 1) == "10.00"
    assert check.fee_for(name, "transfer", 1) == "10.00"
    assert check.fees()[name]["commands"]["restore"]["fee"] == "50.00"
    assert check.fee_class(name) == "standard" and not check.is_premium(name)

    # contact and hosts the domain uses
    assert a.contact.check([contact]).availability() == {contact: True}
    created = a.contact.create(contact, name="Jane Doe", street=["1 Main St"], city="Springfield",
                               sp="IL", pc="62701", cc="US", voice="+1.2175550100",
                               email="jane@example.net", auth_info=STRONG)
    assert created.code() == 1000
    contact_info = a.contact.info(contact)
    assert contact_info.email() == "jane@example.net"
    assert contact_info.postal_info()["int"]["name"] == "Jane Doe"
    for host in (ns1, ns2):
        assert a.host.create(host).code() == 1000
    assert a.host.check([ns1, ns2]).availability() == {ns1: False, ns2: False}

    # create with secDNS dsData and an agreed fee
    created = a.domain.create(name, years=1, registrant=contact,
                              contacts={"admin": contact, "tech": contact},
                              nameservers=[ns1], auth_info=STRONG, sec_dns={"ds_data": [DS1]},
                              fee="10.00")
    assert created.code() == 1000
    assert created.charged_fee() == {"currency": "USD", "fee": "10.00"}
    assert sandbox.balance(A) == start_a - SANDBOX_PRICES["create"]
    expiry = created.expiry_date()
    assert expiry[:4] == str(datetime.now(UTC).year + 1)

    info = a.domain.info(name)
    assert info.code() == 1000
    assert info.object_name() == name
    assert info.sponsor() == A and info.registrant() == contact
    assert info.contacts_for("admin") == [contact]
    assert info.nameservers() == [ns1]
    assert info.statuses() == ["ok"]
    assert info.rgp_status() == ["addPeriod"]
    assert info.ds_records() == [_ds(DS1)]
    assert info.auth_info() is None  # RFC 9154: never sent back

    # update: status, NS, secDNS (add and rem in one command, then rem all)
    updated = a.domain.update(name, add={"statuses": ["clientHold"], "ns": [ns2]},
                              rem={"ns": [ns1]},
                              sec_dns={"rem": {"ds_data": [DS1]}, "add": {"ds_data": [DS2]}})
    assert updated.code() == 1000
    info = a.domain.info(name)
    assert info.statuses() == ["clientHold"]
    assert info.nameservers() == [ns2]
    assert info.ds_records() == [_ds(DS2)]
    assert info.updated_by() == A
    assert a.domain.update(name, rem={"statuses": ["clientHold"]},
                           sec_dns={"rem_all": True}).code() == 1000
    info = a.domain.info(name)
    assert info.statuses() == ["ok"] and not info.is_signed()
    # a host no domain uses can go; one in use cannot (RFC 5732: 2305)
    assert a.host.delete(ns1).code() == 1000
    assert a.host.delete(ns2).code() == 2305

    # renew, fed the exDate info returned (epptools cuts it to the date curExpDate wants)
    renewed = a.domain.renew(name, info.expiry_date(), years=2, fee="20.00")
    assert renewed.code() == 1000
    assert renewed.expiry_date()[:4] == str(int(expiry[:4]) + 2)
    assert renewed.charged_fee()["fee"] == "20.00"
    assert a.domain.renew(name, "2001-01-01", years=1).code() == 2306  # stale curExpDate

    # transfer request by B, query, poll, approve
    requested = b.domain.transfer("request", name, auth_info=STRONG, fee="10.00")
    assert requested.code() == 1001
    assert requested.transfer()["status"] == "pending"
    assert requested.transfer()["requested_by"] == B
    assert requested.transfer()["acting_client"] == A
    assert requested.charged_fee()["fee"] == "10.00"
    query = a.domain.transfer("query", name)
    assert query.code() == 1000 and query.transfer_status() == "pending"
    assert query.message_count() == 1  # msgQ on a non-poll response
    notice = a.poll.request()
    assert notice.code() == 1301
    assert notice.transfer_status() == "pending" and name in notice.queue_message()
    assert a.poll.ack(notice.message_id()).code() == 1000
    assert a.poll.request().code() == 1300
    approved = a.domain.transfer("approve", name)
    assert approved.code() == 1000 and approved.transfer_status() == "clientApproved"
    assert drain(b) == [("clientApproved", f"Transfer approved: {name}")]
    info = b.domain.info(name)
    assert info.sponsor() == B and info.transfer_date()
    assert sandbox.balance(B) == start_b - SANDBOX_PRICES["transfer"]

    # RFC 9154: the transfer reset the authInfo, so the old one no longer moves the domain
    assert a.domain.transfer("request", name, auth_info=STRONG).code() == 2202
    fresh_auth = "An0ther-Str0ng-Auth-Info-987654"
    assert b.domain.update(name, chg={"auth_info": fresh_auth}).code() == 1000

    # reject, then cancel, with the second registrar
    assert a.domain.transfer("request", name, auth_info=fresh_auth).code() == 1001
    rejected = b.domain.transfer("reject", name)
    assert rejected.code() == 1000 and rejected.transfer_status() == "clientRejected"
    assert a.domain.transfer("request", name, auth_info=fresh_auth).code() == 1001
    cancelled = a.domain.transfer("cancel", name)
    assert cancelled.code() == 1000 and cancelled.transfer_status() == "clientCancelled"
    assert a.domain.transfer("cancel", name).code() == 2301
    assert b.domain.info(name).sponsor() == B

    # poll req/ack of what those produced
    assert [status for status, _ in drain(a)] == ["clientRejected"]
    assert [status for status, _ in drain(b)] == ["pending", "pending", "clientCancelled"]
    # a rejected or cancelled transfer is not charged
    assert sandbox.balance(A) == (start_a - SANDBOX_PRICES["create"]
                                  - 2 * SANDBOX_PRICES["renew"])

    # delete -> redemption -> restore request and report
    sandbox.end_grace_periods(name)
    assert b.domain.delete(name).code() == 1001
    info = b.domain.info(name)
    assert "pendingDelete" in info.statuses() and info.rgp_status() == ["redemptionPeriod"]
    assert b.domain.restore(name, fee="1.00").code() == 2004  # RFC 8748: fee below price
    restored = b.domain.restore(name, fee="50.00")
    assert restored.code() == 1000
    assert restored.rgp_status() == ["pendingRestore"]
    assert restored.charged_fee()["fee"] == "50.00"
    assert b.request(_restore_report(b, name)).code() == 1000
    info = b.domain.info(name)
    assert info.rgp_status() == [] and "pendingDelete" not in info.statuses()

    # logout
    for client in (a, b):
        assert client.logout().code() == 1500
        assert not client.is_logged_in()


def test_where_epptools_and_we_part(sandbox, clients):
    """The edges docs/epp-interop.md lists, as epptools meets them."""
    a, b = clients
    name = f"{label()}.example"
    # no auth_info: epptools sends an empty <domain:pw/>, which RFC 9154 reads as "none set"
    assert a.domain.create(name).code() == 1000
    # and unset never matches: an empty one is refused (2201, see docs/epp-interop.md), so is
    # any other
    assert b.domain.transfer("request", name, auth_info="").code() in (2201, 2202)
    assert b.domain.transfer("request", name, auth_info=STRONG).code() == 2202
    # a currency we do not price in: the whole check is refused, epptools returns the code
    priced = a.domain.check([name], fee={"create": 1}, currency="EUR")
    assert priced.code() == 2306 and priced.fees() == {}
    # epptools refuses host renames itself (host:chg); its Frame builder sends one
    old, new = f"ns1.{name}", f"ns2.{name}"
    assert a.host.create(old, ["192.0.2.7"]).code() == 1000
    with pytest.raises(epptools.ValidationException):
        a.host.update(old, new_name=new)
    frame = a.frame()
    update = frame.ns(frame.verb("update"), HOST, "host:update")
    frame.ns(update, HOST, "host:name", old)
    frame.ns(frame.ns(update, HOST, "host:chg"), HOST, "host:name", new)
    assert a.request(frame).code() == 1000
    assert a.domain.info(name).subordinate_hosts() == [new]
    # "autonic" asks a .ua-style registry to pick the handle; RFC 5733 has no such thing,
    # so here it is an ordinary handle: the first create takes it, the second is 2302
    person = {"name": "Auto Nic", "city": "Kyiv", "cc": "UA", "email": "a@example.net",
              "auth_info": STRONG}
    first = a.contact.create_auto(**person)
    assert first.code() == 1000 and first.object_name() == Contact.AUTO_ID
    assert a.contact.create_auto(**person).code() == 2302
    # no registry balance extension in our greeting: epptools says so before sending
    with pytest.raises(epptools.ConfigException):
        a.balance()


def test_password_change_through_login_security(sandbox):
    """epptools moves a password over 16 characters into loginSec (RFC 8807)."""
    long_password = "A-long-Passw0rd-only-loginSec-carries"
    original = sandbox.registrars[C].password
    client = epptools_client(sandbox, C)
    try:
        assert client.login(new_password=long_password).code() == 1000
    finally:
        client.disconnect()
    changed = epptools_client(sandbox, C, password=long_password)
    try:
        assert changed.login(new_password=original).code() == 1000
    finally:
        changed.disconnect()
    again = epptools_client(sandbox, C)
    try:
        assert again.login().code() == 1000
    finally:
        again.disconnect()


def _ds(record: dict) -> dict:
    return {"keyTag": record["key_tag"], "alg": record["alg"],
            "digestType": record["digest_type"], "digest": record["digest"]}


def _restore_report(client: Client, name: str) -> Frame:
    """epptools has no rgp report; its public Frame builder makes one (RFC 3915 4.2.5)."""
    frame = client.frame()
    update = frame.ns(frame.verb("update"), DOMAIN, "domain:update")
    frame.ns(update, DOMAIN, "domain:name", name)
    frame.ns(update, DOMAIN, "domain:chg")
    restore = frame.ns(frame.ns(frame.extension(), RGP, "rgp:update"), RGP, "rgp:restore",
                       attrs={"op": "report"})
    report = frame.ns(restore, RGP, "rgp:report")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.0Z")
    for element, text in (("preData", "Pre-delete registration data"),
                          ("postData", "Post-restore registration data"),
                          ("delTime", now), ("resTime", now),
                          ("resReason", "Registrant error."),
                          ("statement", "This registrar has not restored the Registered Name "
                                        "in order to assume the rights to use or sell it."),
                          ("statement", "The information in this report is true to the best "
                                        "of this registrar's knowledge.")):
        frame.ns(report, RGP, f"rgp:{element}", text)
    return frame
