"""Domain create, info, update, renew and delete: every success and error path, by EPP code."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.admin.tlds import add_premium, add_reserved, get_tld, set_policy
from registry.flows.contact_info import ContactInfoQuery
from registry.flows.context import Actor
from registry.flows.domain_check import DomainCheck
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_delete import DomainDelete
from registry.flows.domain_info import DomainInfoQuery
from registry.flows.domain_renew import DomainRenew
from registry.flows.domain_transfer import DomainTransferRequest
from registry.flows.domain_update import DomainUpdate
from registry.flows.fees import FeeAgreement, FeeQuery
from registry.models import HistoryEntry, LedgerEntry
from registry.periods import add_years
from registry.values import DsData, KeyDataValue, Period
from registry.views import snapshot
from tests.core.db_state import refused
from tests.core.objects import (
    DIGEST_256,
    DS,
    ED25519_KEY,
    KEY,
    P256_KEY,
    domain_info,
    make_contact,
    make_domain,
    make_host,
    outbox,
)
from tests.core.world import START, STRONG

OPERATOR = Actor.operator("test")
OTHER_AUTH = "An0ther-Str0ng-Auth-Info-98765"
RSA_KEY = ("AwEAAc8jhDrKp6tq0OArWnQSQrYx6anBna8e0nku3zKYK1abSy8KwGqqku9Dz6sFnCjfdLuCb9VU"
           "vqnRH1bwMEBN59cCocpAqHgetRQxrTnAoPoqHoC+2G+vcgA/pGw/71JeuwKPOamAmIehMMh/gJBTIX+V"
           "FLj8yniav04X+wk+GvHp")


def set_tld(world, **policy):
    world.task(lambda ctx: set_policy(get_tld(ctx, "example"), policy))


def ledger(world, actor):
    return world.task(lambda ctx: [(e.kind, e.amount, e.object_name) for e in ctx.session.scalars(
        select(LedgerEntry).where(LedgerEntry.registrar_id == actor.registrar_id)
        .order_by(LedgerEntry.id))])


# --- check ---------------------------------------------------------------------------------

def test_check_registered_reserved_and_free(world, alice, bob):
    world.task(lambda ctx: add_reserved(ctx, "example", "nic", "Registry use"))
    make_domain(world, bob, "taken.example")
    result = world.run(DomainCheck(("free.example", "taken.example", "nic.example")),
                       alice).result
    assert [(n.available, n.reason) for n in result.names] == [
        (True, None), (False, "In use"), (False, "Registry use")]


def test_check_quotes_fees(world, alice, premium):
    queries = (FeeQuery("create", Period(2)), FeeQuery("renew"), FeeQuery("restore"),
               FeeQuery("create", Period(11)), FeeQuery("delete"))
    result = world.run(DomainCheck(("plain.example", "gold.example"), queries, "usd"),
                       alice).result
    assert result.currency == "USD"
    plain = [q.fee.amount if q.fee else None for q in result.names[0].fees]
    gold = [(q.fee.amount, q.price_class) if q.fee else None for q in result.names[1].fees]
    assert plain == [2000, 1000, 5000, None, None]
    assert gold == [(100_000, "premium"), (20_000, "premium"), (5000, "standard"), None, None]
    assert all(q.reason for q in result.names[0].fees[3:])


def test_check_fees_in_another_currency_2306(world, alice):
    refused(world, 2306, DomainCheck(("plain.example",), (FeeQuery("create"),), "EUR"), alice)


# --- create ---------------------------------------------------------------------------------

def test_create_charges_records_and_publishes(world, alice):
    make_host(world, alice, "ns1.example.net")
    make_contact(world, alice, "reg-1")
    r = world.run(DomainCreate("foo.example", Period(2), ("ns1.example.net",), "reg-1",
                               (("admin", "reg-1"), ("tech", "reg-1")), STRONG), alice)
    assert r.code == 1000
    created = r.result
    assert (created.created_at, created.expires_at) == (START, add_years(START, 2))
    assert created.charge.total == 2000 and created.charge.balance == 98_000
    assert ledger(world, alice)[-1] == ("create", -2000, "foo.example")
    assert ("example", "foo.example") in outbox(world)
    info = domain_info(world, "foo.example")
    assert (info.sponsor, info.creator, info.registrant) == ("alice", "alice", "reg-1")
    assert info.contacts == (("admin", "reg-1"), ("tech", "reg-1"))
    assert info.nameservers == ("ns1.example.net",) and info.statuses == ("ok",)
    assert info.has_authinfo and info.rgp_statuses == ("addPeriod",)
    commands = world.task(lambda ctx: ctx.session.scalars(select(HistoryEntry.command).where(
        HistoryEntry.object_name == "foo.example")).all())
    assert commands == ["domain_create"]


def test_create_without_name_servers_is_inactive(world, alice):
    make_domain(world, alice, "bare.example")
    assert domain_info(world, "bare.example").statuses == ("inactive",)


@pytest.mark.parametrize(("period", "years"), [
    (Period(1), 1), (Period(10), 10), (Period(12, "m"), 1), (Period(120, "m"), 10),
])
def test_create_periods_accepted(world, alice, period, years):
    created = world.run(DomainCreate("p.example", period, authinfo=STRONG), alice).result
    assert created.expires_at == add_years(START, years)
    assert created.charge.total == 1000 * years


@pytest.mark.parametrize("period", [
    Period(0), Period(11), Period(-1), Period(6, "m"), Period(13, "m"), Period(132, "m"),
])
def test_create_periods_refused_2004(world, alice, period):
    refused(world, 2004, DomainCreate("p.example", period, authinfo=STRONG), alice)


def test_create_respects_the_tld_period_policy(world, alice):
    set_tld(world, min_period=2, max_period=5)
    refused(world, 2004, DomainCreate("p.example", Period(1), authinfo=STRONG), alice)
    refused(world, 2004, DomainCreate("p.example", Period(6), authinfo=STRONG), alice)
    world.run(DomainCreate("p.example", Period(2), authinfo=STRONG), alice)


def test_create_reserved_2306(world, alice):
    world.task(lambda ctx: add_reserved(ctx, "example", "nic", "Registry use"))
    err = refused(world, 2306, DomainCreate("nic.example", authinfo=STRONG), alice)
    assert "reserved" in err.reason
    refused(world, 2306, DomainCreate("NIC.example", authinfo=STRONG), alice)


def test_create_exists_2302(world, alice, bob):
    make_domain(world, alice, "taken.example")
    refused(world, 2302, DomainCreate("taken.example", authinfo=STRONG), alice)
    refused(world, 2302, DomainCreate("TAKEN.example.", authinfo=STRONG), bob)


def test_create_missing_host_2303(world, alice):
    make_host(world, alice, "ns1.example.net")
    refused(world, 2303, DomainCreate("foo.example", nameservers=(
        "ns1.example.net", "ns2.example.net"), authinfo=STRONG), alice)


def test_create_bad_host_name_2005(world, alice):
    refused(world, 2005, DomainCreate("foo.example", nameservers=("bad..name",),
                                      authinfo=STRONG), alice)


def test_create_may_use_other_registrars_hosts(world, alice, bob):
    make_host(world, bob, "ns1.bob.net")
    world.run(DomainCreate("foo.example", nameservers=("ns1.bob.net",), authinfo=STRONG), alice)
    assert domain_info(world, "foo.example").nameservers == ("ns1.bob.net",)


@pytest.mark.parametrize("where", ["registrant", "admin", "tech", "billing"])
def test_create_other_registrars_contact_2201(world, alice, bob, where):
    make_contact(world, bob, "bobs")
    kwargs = ({"registrant": "bobs"} if where == "registrant"
              else {"contacts": ((where, "bobs"),)})
    refused(world, 2201, DomainCreate("foo.example", authinfo=STRONG, **kwargs), alice)


def test_create_unknown_contact_2303(world, alice):
    refused(world, 2303, DomainCreate("foo.example", registrant="nobody", authinfo=STRONG),
            alice)
    refused(world, 2303, DomainCreate("foo.example", contacts=(("admin", "nobody"),),
                                      authinfo=STRONG), alice)


def test_create_unknown_contact_type_2005(world, alice):
    make_contact(world, alice, "c-1")
    refused(world, 2005, DomainCreate("foo.example", contacts=(("owner", "c-1"),),
                                      authinfo=STRONG), alice)


@pytest.mark.parametrize(("registrant", "contacts"), [
    (None, ()),
    (None, (("admin", "c-1"), ("tech", "c-1"))),
    ("c-1", ()),
    ("c-1", (("admin", "c-1"),)),
    ("c-1", (("tech", "c-1"), ("billing", "c-1"))),
])
def test_thick_tld_requires_registrant_admin_and_tech_2003(world, alice, registrant, contacts):
    set_tld(world, data_model="thick")
    make_contact(world, alice, "c-1")
    refused(world, 2003, DomainCreate("foo.example", registrant=registrant, contacts=contacts,
                                      authinfo=STRONG), alice)
    world.run(DomainCreate("foo.example", registrant="c-1", contacts=(
        ("admin", "c-1"), ("tech", "c-1")), authinfo=STRONG), alice)


@pytest.mark.parametrize(("registrant", "contacts"), [
    ("c-1", ()),
    (None, (("admin", "c-1"),)),
    ("c-1", (("admin", "c-1"), ("tech", "c-1"))),
])
def test_minimum_tld_refuses_contact_data_2306(world, alice, registrant, contacts):
    """RST epp-14: a registry on the minimum data set rejects a create naming a registrant
    (before looking it up: a contact that does not exist is refused the same way)."""
    set_tld(world, data_model="minimum")
    make_contact(world, alice, "c-1")
    error = refused(world, 2306, DomainCreate("foo.example", registrant=registrant,
                                              contacts=contacts, authinfo=STRONG), alice)
    assert "minimum data set" in error.reason
    refused(world, 2306, DomainCreate("foo.example", registrant="nobody", authinfo=STRONG),
            alice)
    world.run(DomainCreate("foo.example", authinfo=STRONG), alice)
    refused(world, 2306, DomainUpdate("foo.example", registrant="c-1"), alice)
    refused(world, 2306, DomainUpdate("foo.example", add_contacts=(("tech", "c-1"),)), alice)


def test_minimum_tld_lets_older_contact_data_go(world, alice):
    """A TLD moved to the minimum data set: its domains' contacts may be removed, and
    updates that add none still work."""
    make_contact(world, alice, "c-1")
    world.run(DomainCreate("foo.example", registrant="c-1", contacts=(("admin", "c-1"),),
                           authinfo=STRONG), alice)
    set_tld(world, data_model="minimum")
    world.run(DomainUpdate("foo.example", add_statuses=("clientHold",)), alice)
    world.run(DomainUpdate("foo.example", registrant="", rem_contacts=(("admin", "c-1"),)),
              alice)
    info = domain_info(world, "foo.example")
    assert (info.registrant, info.contacts) == (None, ())


def test_optional_tld_takes_contact_data_without_requiring_it(world, alice):
    make_contact(world, alice, "c-1")
    world.run(DomainCreate("foo.example", authinfo=STRONG), alice)
    world.run(DomainCreate("bar.example", registrant="c-1", authinfo=STRONG), alice)
    assert domain_info(world, "bar.example").registrant == "c-1"


def test_a_contact_without_a_type_is_refused_without_internal_values(world, alice):
    make_contact(world, alice, "c-1")
    error = refused(world, 2003, DomainCreate("foo.example", contacts=((None, "c-1"),),
                                              authinfo=STRONG), alice)
    assert "None" not in error.reason and "admin, billing or tech" in error.reason
    error = refused(world, 2005, DomainCreate("foo.example", contacts=(("owner", "c-1"),),
                                              authinfo=STRONG), alice)
    assert "'owner'" in error.reason


def test_create_too_many_name_servers_2306(world, alice):
    set_tld(world, max_nameservers=2)
    for i in (1, 2, 3):
        make_host(world, alice, f"ns{i}.example.net")
    refused(world, 2306, DomainCreate("foo.example", nameservers=(
        "ns1.example.net", "ns2.example.net", "ns3.example.net"), authinfo=STRONG), alice)
    world.run(DomainCreate("foo.example", nameservers=(
        "ns1.example.net", "ns2.example.net", "NS2.example.net."), authinfo=STRONG), alice)
    assert domain_info(world, "foo.example").nameservers == ("ns1.example.net",
                                                             "ns2.example.net")


@pytest.mark.parametrize("authinfo", ["short", "password", "aaaaaaaaaaaaaaaaaaaa", "Abc123"])
def test_create_weak_authinfo_2306(world, alice, authinfo):
    refused(world, 2306, DomainCreate("foo.example", authinfo=authinfo), alice)


def test_create_with_empty_authinfo_has_none(world, alice):
    """RFC 9154: an empty <pw/> is accepted and means no authInfo is set."""
    world.run(DomainCreate("foo.example", authinfo=""), alice)
    assert not domain_info(world, "foo.example").has_authinfo


def test_create_with_ds_data(world, alice):
    ds2 = DsData(1, 8, 4, "b" * 96)
    world.run(DomainCreate("foo.example", authinfo=STRONG, ds_data=(
        DsData(12345, 13, 2, "aa bb" + "c" * 60), ds2)), alice)
    assert domain_info(world, "foo.example").ds_data == (
        DsData(12345, 13, 2, "AABB" + "C" * 60), DsData(1, 8, 4, "B" * 96))


def test_create_with_the_same_record_twice_stores_it_once(world, alice):
    set_tld(world, max_dnssec_records=1)
    world.run(DomainCreate("a.example", authinfo=STRONG, ds_data=(
        DS, dataclasses.replace(DS, digest=DS.digest.lower()))), alice)
    assert domain_info(world, "a.example").ds_data == (DS,)
    world.run(DomainCreate("b.example", authinfo=STRONG, key_data=(KEY, KEY)), alice)
    assert domain_info(world, "b.example").key_data == (KEY,)


@pytest.mark.parametrize("key", [
    KEY, KeyDataValue(256, 3, 15, ED25519_KEY), KeyDataValue(257, 3, 13, P256_KEY),
    KeyDataValue(257, 3, 8, RSA_KEY), KeyDataValue(257, 3, 15, ED25519_KEY[:20] + "\n "
                                                    + ED25519_KEY[20:]),
])
def test_create_with_key_data(world, alice, key):
    world.run(DomainCreate("foo.example", authinfo=STRONG, key_data=(key,)), alice)
    (stored,) = domain_info(world, "foo.example").key_data
    assert stored == dataclasses.replace(key, public_key="".join(key.public_key.split()))


@pytest.mark.parametrize(("ds", "code"), [
    (DsData(70000, 13, 2, DIGEST_256), 2004),  # keyTag out of range
    (DsData(-1, 13, 2, DIGEST_256), 2004),
    (DsData(1, 5, 2, DIGEST_256), 2306),  # RSA/SHA-1 is not accepted
    (DsData(1, 3, 2, DIGEST_256), 2306),
    (DsData(1, 300, 2, DIGEST_256), 2004),
    (DsData(1, 13, 1, "A" * 40), 2306),  # SHA-1 digest
    (DsData(1, 13, 3, DIGEST_256), 2306),
    (DsData(1, 13, 2, "A" * 63), 2005),  # odd length is not hex bytes
    (DsData(1, 13, 2, "A" * 62), 2306),  # wrong length for SHA-256
    (DsData(1, 13, 4, DIGEST_256), 2306),  # SHA-384 wants 96
    (DsData(1, 13, 2, "G" * 64), 2005),  # not hex
    (DsData(1, 13, 2, ""), 2306),
])
def test_create_bad_ds_data(world, alice, ds, code):
    refused(world, code, DomainCreate("foo.example", authinfo=STRONG, ds_data=(ds,)), alice)


@pytest.mark.parametrize(("key", "code"), [
    (dataclasses.replace(KEY, flags=0), 2306),
    (dataclasses.replace(KEY, flags=1), 2306),
    (dataclasses.replace(KEY, flags=385), 2306),  # revoked KSK
    (dataclasses.replace(KEY, protocol=2), 2306),
    (dataclasses.replace(KEY, algorithm=5), 2306),
    (dataclasses.replace(KEY, algorithm=256), 2004),
    (dataclasses.replace(KEY, public_key="not base64!"), 2005),
    (dataclasses.replace(KEY, public_key="AAA"), 2005),  # bad padding
    (dataclasses.replace(KEY, public_key=P256_KEY), 2306),  # 64 bytes for Ed25519
    (dataclasses.replace(KEY, algorithm=13), 2306),  # 32 bytes for P-256
    (dataclasses.replace(KEY, algorithm=8), 2306),  # too short for RSA
])
def test_create_bad_key_data(world, alice, key, code):
    refused(world, code, DomainCreate("foo.example", authinfo=STRONG, key_data=(key,)), alice)


def test_create_mixing_ds_and_key_data_2306(world, alice):
    refused(world, 2306, DomainCreate("foo.example", authinfo=STRONG, ds_data=(DS,),
                                      key_data=(KEY,)), alice)


def test_create_too_many_dnssec_records_2306(world, alice):
    set_tld(world, max_dnssec_records=2)
    records = tuple(DsData(i, 13, 2, DIGEST_256) for i in range(3))
    refused(world, 2306, DomainCreate("foo.example", authinfo=STRONG, ds_data=records), alice)
    world.run(DomainCreate("foo.example", authinfo=STRONG, ds_data=records[:2]), alice)


def test_create_max_sig_life_2102_unless_allowed(world, alice):
    refused(world, 2102, DomainCreate("foo.example", authinfo=STRONG, ds_data=(DS,),
                                      max_sig_life=86400), alice)
    set_tld(world, max_sig_life_allowed=True)
    refused(world, 2004, DomainCreate("foo.example", authinfo=STRONG, ds_data=(DS,),
                                      max_sig_life=0), alice)
    world.run(DomainCreate("foo.example", authinfo=STRONG, ds_data=(DS,), max_sig_life=86400),
              alice)
    assert domain_info(world, "foo.example").max_sig_life == 86400


@pytest.fixture
def premium(world, tld):
    world.task(lambda ctx: add_premium(ctx, "example", "gold", regex=False, currency="USD",
                                       prices={"create": 50_000, "renew": 20_000}))
    world.task(lambda ctx: add_premium(ctx, "example", "^(.|..)$", regex=True, currency="USD",
                                       prices={"create": 30_000}, class_name="short"))


def test_premium_create_needs_the_fee_acknowledged_2004(world, alice, premium):
    refused(world, 2004, DomainCreate("gold.example", authinfo=STRONG), alice)
    refused(world, 2004, DomainCreate("ab.example", authinfo=STRONG), alice)
    r = world.run(DomainCreate("gold.example", authinfo=STRONG, fee=FeeAgreement(50_000)),
                  alice)
    assert r.result.charge.total == 50_000
    world.run(DomainCreate("ab.example", authinfo=STRONG, fee=FeeAgreement(30_000, "usd")),
              alice)
    assert world.registrar(alice).balance == 100_000 - 50_000 - 30_000


def test_premium_fee_is_optional_where_the_tld_says_so(world, alice, premium):
    set_tld(world, premium_requires_fee=False)
    r = world.run(DomainCreate("gold.example", authinfo=STRONG), alice)
    assert r.result.charge.total == 50_000


def test_fee_lower_than_the_price_2004(world, alice, premium):
    refused(world, 2004, DomainCreate("gold.example", authinfo=STRONG,
                                      fee=FeeAgreement(49_999)), alice)
    refused(world, 2004, DomainCreate("plain.example", Period(2), authinfo=STRONG,
                                      fee=FeeAgreement(1999)), alice)
    r = world.run(DomainCreate("plain.example", Period(2), authinfo=STRONG,
                               fee=FeeAgreement(5000)), alice)
    assert r.result.charge.total == 2000  # a higher offer is not charged


def test_fee_in_the_wrong_currency_2306(world, alice, premium):
    refused(world, 2306, DomainCreate("gold.example", authinfo=STRONG,
                                      fee=FeeAgreement(50_000, "EUR")), alice)


def test_create_without_funds_2104(world, tld):
    poor = world.add_registrar("poor", balance=999)
    refused(world, 2104, DomainCreate("foo.example", authinfo=STRONG), poor)


def test_create_without_a_price_in_the_registrars_currency_2104(world, tld):
    euro = world.add_registrar("euro", currency="EUR")
    refused(world, 2104, DomainCreate("foo.example", authinfo=STRONG), euro)


# --- info -----------------------------------------------------------------------------------

@pytest.fixture
def foo(world, alice):
    """foo.example by alice: an external and an in-zone name server, and an unused host."""
    make_contact(world, alice, "reg-1", authinfo=OTHER_AUTH)
    make_domain(world, alice, "foo.example", registrant="reg-1")
    make_host(world, alice, "ns1.foo.example", "192.0.2.1")
    make_host(world, alice, "ns2.foo.example", "192.0.2.2")
    make_host(world, alice, "ns.example.net")
    world.run(DomainUpdate("foo.example", add_nameservers=("ns1.foo.example", "ns.example.net")),
              alice)
    return "foo.example"


def test_info_for_the_sponsor(world, alice, foo):
    r = world.run(DomainInfoQuery(foo), alice)
    info = r.result
    assert r.code == 1000 and info.name == foo and info.sponsor == "alice"
    assert info.roid.endswith("-PYRAR") and info.roid.startswith("D")
    assert info.expires_at == add_years(START, 1)
    assert r.queue is not None and r.queue.count == 0


@pytest.mark.parametrize(("hosts", "ns", "sub"), [
    ("all", ("ns.example.net", "ns1.foo.example"), ("ns1.foo.example", "ns2.foo.example")),
    ("del", ("ns.example.net", "ns1.foo.example"), ()),
    ("sub", (), ("ns1.foo.example", "ns2.foo.example")),
    ("none", (), ()),
])
def test_info_hosts_filter(world, alice, foo, hosts, ns, sub):
    info = world.run(DomainInfoQuery(foo, hosts=hosts), alice).result
    assert (info.nameservers, info.subordinate_hosts) == (ns, sub)


def test_info_bad_hosts_filter_2005(world, alice, foo):
    refused(world, 2005, DomainInfoQuery(foo, hosts="some"), alice)


def test_info_unknown_domain_2303(world, alice):
    refused(world, 2303, DomainInfoQuery("nothing.example"), alice)
    refused(world, 2303, DomainInfoQuery("not a name"), alice)


def test_info_for_other_registrars_needs_the_authinfo(world, alice, bob, foo):
    refused(world, 2201, DomainInfoQuery(foo), bob)
    refused(world, 2201, DomainInfoQuery(foo, authinfo=""), bob)
    refused(world, 2202, DomainInfoQuery(foo, authinfo="Wr0ng-but-long-enough-value"), bob)
    info = world.run(DomainInfoQuery(foo, authinfo=STRONG), bob).result
    assert info.sponsor == "alice" and info.registrant == "reg-1"


def test_info_with_the_registrants_authinfo(world, alice, bob, foo):
    roid = world.run(ContactInfoQuery("reg-1"), alice).result.roid
    info = world.run(DomainInfoQuery(foo, authinfo=OTHER_AUTH, authinfo_roid=roid), bob).result
    assert info.name == foo
    refused(world, 2202, DomainInfoQuery(foo, authinfo=OTHER_AUTH), bob)  # not the domain's
    refused(world, 2202, DomainInfoQuery(foo, authinfo=STRONG, authinfo_roid=roid), bob)
    refused(world, 2202, DomainInfoQuery(foo, authinfo=OTHER_AUTH, authinfo_roid="C999-PYRAR"),
            bob)


def test_info_registrant_roid_on_a_domain_without_registrant_2202(world, alice, bob):
    make_domain(world, alice, "solo.example")
    refused(world, 2202, DomainInfoQuery("solo.example", authinfo=STRONG,
                                         authinfo_roid="C1-PYRAR"), bob)


def test_info_of_a_domain_without_authinfo_2202(world, alice, bob):
    world.run(DomainCreate("open.example", authinfo=""), alice)
    refused(world, 2202, DomainInfoQuery("open.example", authinfo=STRONG), bob)


# --- update ---------------------------------------------------------------------------------

@pytest.fixture
def dom(world, alice):
    make_contact(world, alice, "c-1")
    make_contact(world, alice, "c-2")
    for name in ("ns1.example.net", "ns2.example.net", "ns3.example.net"):
        make_host(world, alice, name)
    make_domain(world, alice, "dom.example", nameservers=("ns1.example.net",),
                registrant="c-1", contacts=(("admin", "c-1"),))
    return "dom.example"


def test_update_name_servers(world, alice, dom):
    before = len(outbox(world))
    r = world.run(DomainUpdate(dom, add_nameservers=("ns2.example.net", "ns3.example.net"),
                               rem_nameservers=("ns1.example.net",)), alice)
    assert r.code == 1000
    info = domain_info(world, dom)
    assert info.nameservers == ("ns2.example.net", "ns3.example.net")
    assert (info.updater, info.updated_at) == ("alice", START)
    assert outbox(world)[before:] == [("example", dom)]
    world.run(DomainUpdate(dom, rem_nameservers=("ns2.example.net", "ns3.example.net")), alice)
    assert "inactive" in domain_info(world, dom).statuses


def test_update_name_server_errors(world, alice, dom):
    refused(world, 2306, DomainUpdate(dom, add_nameservers=("ns1.example.net",)), alice)
    refused(world, 2306, DomainUpdate(dom, rem_nameservers=("ns2.example.net",)), alice)
    refused(world, 2303, DomainUpdate(dom, add_nameservers=("ns9.example.net",)), alice)
    refused(world, 2303, DomainUpdate(dom, rem_nameservers=("ns9.example.net",)), alice)
    refused(world, 2005, DomainUpdate(dom, add_nameservers=("-bad.example.net",)), alice)
    set_tld(world, max_nameservers=2)
    refused(world, 2306, DomainUpdate(dom, add_nameservers=("ns2.example.net",
                                                            "ns3.example.net")), alice)
    # a valid change in the same command is rolled back with the refused one
    refused(world, 2303, DomainUpdate(dom, add_nameservers=("ns2.example.net",),
                                      rem_contacts=(("admin", "c-1"),),
                                      add_statuses=("clientHold",),
                                      registrant="nobody"), alice)


def test_update_contacts_and_registrant(world, alice, dom):
    world.run(DomainUpdate(dom, add_contacts=(("tech", "c-2"), ("billing", "c-2")),
                           rem_contacts=(("admin", "c-1"),), registrant="c-2"), alice)
    info = domain_info(world, dom)
    assert info.contacts == (("billing", "c-2"), ("tech", "c-2"))
    assert info.registrant == "c-2"
    world.run(DomainUpdate(dom, registrant=""), alice)  # minimum data set: may be removed
    assert domain_info(world, dom).registrant is None


def test_update_contact_errors(world, alice, bob, dom):
    make_contact(world, bob, "bobs")
    refused(world, 2306, DomainUpdate(dom, add_contacts=(("admin", "c-1"),)), alice)
    refused(world, 2306, DomainUpdate(dom, rem_contacts=(("tech", "c-1"),)), alice)
    refused(world, 2306, DomainUpdate(dom, rem_contacts=(("admin", "c-2"),)), alice)
    refused(world, 2303, DomainUpdate(dom, add_contacts=(("tech", "nobody"),)), alice)
    refused(world, 2201, DomainUpdate(dom, add_contacts=(("tech", "bobs"),)), alice)
    refused(world, 2201, DomainUpdate(dom, registrant="bobs"), alice)
    refused(world, 2303, DomainUpdate(dom, registrant="nobody"), alice)
    refused(world, 2005, DomainUpdate(dom, add_contacts=(("owner", "c-2"),)), alice)


def test_update_thick_tld_keeps_its_required_contacts_2003(world, alice):
    set_tld(world, data_model="thick")
    make_contact(world, alice, "c-1")
    make_domain(world, alice, "thick.example", registrant="c-1",
                contacts=(("admin", "c-1"), ("tech", "c-1")))
    refused(world, 2003, DomainUpdate("thick.example", registrant=""), alice)
    refused(world, 2003, DomainUpdate("thick.example", rem_contacts=(("tech", "c-1"),)), alice)
    world.run(DomainUpdate("thick.example", rem_contacts=(("tech", "c-1"),),
                           add_contacts=(("tech", "c-1"), ("billing", "c-1"))), alice)


def test_update_client_statuses(world, alice, dom):
    world.run(DomainUpdate(dom, add_statuses=("clientHold", "clientRenewProhibited")), alice)
    assert domain_info(world, dom).statuses == ("clientHold", "clientRenewProhibited")
    world.run(DomainUpdate(dom, rem_statuses=("clientHold",)), alice)
    assert domain_info(world, dom).statuses == ("clientRenewProhibited",)


@pytest.mark.parametrize(("add", "rem"), [
    (("serverHold",), ()),  # server statuses are the registry's
    (("serverUpdateProhibited",), ()),
    (("ok",), ()),
    (("pendingDelete",), ()),
    (("inactive",), ()),
    (("clientBogus",), ()),
    ((), ("clientHold",)),  # not set
    (("clientHold", "clientHold"), ("clientHold",)),
])
def test_update_status_errors_2306(world, alice, dom, add, rem):
    refused(world, 2306, DomainUpdate(dom, add_statuses=add, rem_statuses=rem), alice)


def test_update_adding_an_existing_status_2306(world, alice, dom):
    world.run(DomainUpdate(dom, add_statuses=("clientHold",)), alice)
    refused(world, 2306, DomainUpdate(dom, add_statuses=("clientHold",)), alice)


def test_operator_sets_server_statuses_registrar_cannot_remove_them(world, alice, dom):
    world.run(DomainUpdate(dom, add_statuses=("serverHold", "serverDeleteProhibited")), OPERATOR)
    assert domain_info(world, dom).statuses == ("serverDeleteProhibited", "serverHold")
    refused(world, 2306, DomainUpdate(dom, rem_statuses=("serverHold",)), alice)
    refused(world, 2304, DomainDelete(dom), alice)


def test_client_update_prohibited_allows_only_its_removal_2304(world, alice, dom):
    world.run(DomainUpdate(dom, add_statuses=("clientUpdateProhibited",)), alice)
    refused(world, 2304, DomainUpdate(dom, add_nameservers=("ns2.example.net",)), alice)
    refused(world, 2304, DomainUpdate(dom, authinfo=OTHER_AUTH), alice)
    refused(world, 2304, DomainUpdate(dom, add_statuses=("clientHold",)), alice)
    refused(world, 2304, DomainUpdate(dom, rem_statuses=("clientUpdateProhibited",),
                                      add_nameservers=("ns2.example.net",)), alice)
    refused(world, 2304, DomainUpdate(dom, ds_add=(DS,)), alice)
    world.run(DomainUpdate(dom, rem_statuses=("clientUpdateProhibited",)), alice)
    world.run(DomainUpdate(dom, add_nameservers=("ns2.example.net",)), alice)


def test_server_update_prohibited_refuses_registrars_not_operators(world, alice, dom):
    world.run(DomainUpdate(dom, add_statuses=("serverUpdateProhibited",)), OPERATOR)
    refused(world, 2304, DomainUpdate(dom, add_nameservers=("ns2.example.net",)), alice)
    refused(world, 2304, DomainUpdate(dom, add_statuses=("clientHold",)), alice)
    world.run(DomainUpdate(dom, add_nameservers=("ns2.example.net",)), OPERATOR)
    info = domain_info(world, dom)
    assert info.nameservers == ("ns1.example.net", "ns2.example.net")
    assert info.updater is None  # an operator, not a registrar
    world.run(DomainUpdate(dom, rem_statuses=("serverUpdateProhibited",)), OPERATOR)
    world.run(DomainUpdate(dom, add_statuses=("clientHold",)), alice)


def test_update_dnssec_add_rem_and_rem_all(world, alice, dom):
    ds2 = DsData(2, 13, 2, "B" * 64)
    world.run(DomainUpdate(dom, ds_add=(DS, ds2)), alice)
    assert domain_info(world, dom).ds_data == (DS, ds2)
    world.run(DomainUpdate(dom, ds_rem=(dataclasses.replace(DS, digest=DS.digest.lower()),)),
              alice)
    assert domain_info(world, dom).ds_data == (ds2,)
    world.run(DomainUpdate(dom, dnssec_rem_all=True, ds_add=(DS,)), alice)
    assert domain_info(world, dom).ds_data == (DS,)
    world.run(DomainUpdate(dom, dnssec_rem_all=True), alice)
    assert domain_info(world, dom).ds_data == ()
    # switching interface in one command: remove everything, then add keys
    world.run(DomainUpdate(dom, ds_add=(DS,)), alice)
    world.run(DomainUpdate(dom, dnssec_rem_all=True, key_add=(KEY,)), alice)
    info = domain_info(world, dom)
    assert (info.ds_data, info.key_data) == ((), (KEY,))
    world.run(DomainUpdate(dom, key_rem=(KEY,)), alice)
    assert domain_info(world, dom).key_data == ()


def test_update_dnssec_errors(world, alice, dom):
    world.run(DomainUpdate(dom, ds_add=(DS,)), alice)
    refused(world, 2306, DomainUpdate(dom, ds_rem=(DsData(9, 13, 2, DIGEST_256),)), alice)
    refused(world, 2306, DomainUpdate(dom, key_rem=(KEY,)), alice)
    refused(world, 2306, DomainUpdate(dom, ds_add=(DS,)), alice)  # already there
    refused(world, 2306, DomainUpdate(dom, key_add=(KEY,)), alice)  # mixing ds and keyData
    refused(world, 2306, DomainUpdate(dom, ds_add=(DsData(1, 13, 1, "A" * 40),)), alice)
    refused(world, 2005, DomainUpdate(dom, ds_add=(DsData(1, 13, 2, "Z" * 64),)), alice)
    refused(world, 2306, DomainUpdate(dom, dnssec_rem_all=True, ds_add=(DS,), key_add=(KEY,)),
            alice)
    refused(world, 2102, DomainUpdate(dom, max_sig_life=3600), alice)
    set_tld(world, max_dnssec_records=1)
    refused(world, 2306, DomainUpdate(dom, ds_add=(DsData(2, 13, 2, DIGEST_256),)), alice)


def test_update_max_sig_life_where_allowed(world, alice, dom):
    set_tld(world, max_sig_life_allowed=True)
    world.run(DomainUpdate(dom, max_sig_life=3600), alice)
    assert domain_info(world, dom).max_sig_life == 3600
    refused(world, 2004, DomainUpdate(dom, max_sig_life=2**31), alice)


def test_update_authinfo_change_and_unset(world, alice, bob, dom):
    world.run(DomainUpdate(dom, authinfo=OTHER_AUTH), alice)
    refused(world, 2202, DomainInfoQuery(dom, authinfo=STRONG), bob)
    assert world.run(DomainInfoQuery(dom, authinfo=OTHER_AUTH), bob).result.name == dom
    refused(world, 2306, DomainUpdate(dom, authinfo="weak"), alice)
    world.run(DomainUpdate(dom, authinfo=""), alice)
    assert not domain_info(world, dom).has_authinfo
    refused(world, 2202, DomainInfoQuery(dom, authinfo=OTHER_AUTH), bob)


def test_update_by_another_registrar_2201(world, alice, bob, dom):
    make_host(world, bob, "ns.bob.net")
    refused(world, 2201, DomainUpdate(dom, add_nameservers=("ns.bob.net",)), bob)
    refused(world, 2201, DomainUpdate(dom, add_statuses=("clientHold",)), bob)


def test_update_unknown_domain_2303(world, alice):
    refused(world, 2303, DomainUpdate("nothing.example", add_statuses=("clientHold",)), alice)


def test_update_history_records_who_and_which_command(world, alice, dom):
    world.run(DomainUpdate(dom, add_statuses=("clientHold",)), alice)
    entries = world.task(lambda ctx: [(h.command, h.actor, h.snapshot["statuses"])
                                      for h in ctx.session.scalars(select(HistoryEntry).where(
                                          HistoryEntry.object_name == dom)
                                          .order_by(HistoryEntry.id))])
    assert entries[-1] == ("domain_update", "alice", ["clientHold"])


@pytest.fixture
def redeeming(world, alice, dom):
    """dom, deleted after its add grace: in redemption (pendingDelete)."""
    world.clock.advance(days=6)
    assert world.run(DomainDelete(dom), alice).result.code == 1001
    return dom


def test_pending_delete_refuses_update_renew_delete_2304(world, alice, redeeming):
    info = domain_info(world, redeeming)
    assert "pendingDelete" in info.statuses and info.rgp_statuses == ("redemptionPeriod",)
    refused(world, 2304, DomainUpdate(redeeming, add_statuses=("clientHold",)), alice)
    refused(world, 2304, DomainRenew(redeeming, info.expires_at.date()), alice)
    refused(world, 2304, DomainDelete(redeeming), alice)


def test_pending_transfer_refuses_update_renew_delete_2300(world, alice, bob, dom):
    world.clock.advance(days=6)
    world.run(DomainTransferRequest(dom, authinfo=STRONG), bob)
    expiry = domain_info(world, dom).expires_at.date()
    refused(world, 2300, DomainUpdate(dom, add_statuses=("clientHold",)), alice)
    refused(world, 2300, DomainRenew(dom, expiry), alice)
    refused(world, 2300, DomainDelete(dom), alice)


# --- renew ----------------------------------------------------------------------------------

def test_renew(world, alice, dom):
    expiry = add_years(START, 1)
    world.clock.advance(days=30)
    r = world.run(DomainRenew(dom, expiry.date(), Period(3)), alice)
    assert r.code == 1000
    assert r.result.expires_at == add_years(expiry, 3)
    assert r.result.charge.total == 3000
    info = domain_info(world, dom)
    assert info.expires_at == add_years(expiry, 3)
    assert info.rgp_statuses == ("renewPeriod",)
    assert ledger(world, alice)[-1] == ("renew", -3000, dom)


def test_renew_up_to_ten_years_from_now(world, alice, dom):
    expiry = add_years(START, 1)
    refused(world, 2004, DomainRenew(dom, expiry.date(), Period(10)), alice)
    r = world.run(DomainRenew(dom, expiry.date(), Period(9)), alice)
    assert r.result.expires_at == add_years(START, 10)
    refused(world, 2004, DomainRenew(dom, add_years(START, 10).date(), Period(1)), alice)


@pytest.mark.parametrize("period", [Period(0), Period(11), Period(18, "m")])
def test_renew_bad_period_2004(world, alice, dom, period):
    refused(world, 2004, DomainRenew(dom, add_years(START, 1).date(), period), alice)


def test_renew_cur_exp_date_mismatch_2306(world, alice, dom):
    expiry = add_years(START, 1).date()
    refused(world, 2306, DomainRenew(dom, expiry + timedelta(days=1)), alice)
    refused(world, 2306, DomainRenew(dom, expiry.replace(year=expiry.year + 1)), alice)


@pytest.mark.parametrize("status", ["clientRenewProhibited", "serverRenewProhibited"])
def test_renew_prohibited_2304(world, alice, dom, status):
    actor = OPERATOR if status.startswith("server") else alice
    world.run(DomainUpdate(dom, add_statuses=(status,)), actor)
    refused(world, 2304, DomainRenew(dom, add_years(START, 1).date()), alice)


def test_renew_by_another_registrar_2201(world, alice, bob, dom):
    refused(world, 2201, DomainRenew(dom, add_years(START, 1).date()), bob)


def test_renew_unknown_domain_2303(world, alice):
    refused(world, 2303, DomainRenew("nothing.example", add_years(START, 1).date()), alice)


def test_renew_premium_needs_the_fee(world, alice, premium):
    make_domain(world, alice, "gold.example", fee=FeeAgreement(50_000))
    expiry = add_years(START, 1).date()
    refused(world, 2004, DomainRenew("gold.example", expiry), alice)
    refused(world, 2004, DomainRenew("gold.example", expiry, fee=FeeAgreement(19_999)), alice)
    refused(world, 2306, DomainRenew("gold.example", expiry, fee=FeeAgreement(20_000, "EUR")),
            alice)
    r = world.run(DomainRenew("gold.example", expiry, fee=FeeAgreement(20_000)), alice)
    assert r.result.charge.total == 20_000


def test_renew_without_funds_2104(world, tld):
    poor = world.add_registrar("poor", balance=1500)
    make_domain(world, poor, "poor.example")
    refused(world, 2104, DomainRenew("poor.example", add_years(START, 1).date()), poor)


# --- delete ---------------------------------------------------------------------------------

def test_delete_in_add_grace_removes_at_once(world, alice, dom):
    r = world.run(DomainDelete(dom), alice)
    assert r.code == 1000
    assert r.result.refund.total == -1000
    refused(world, 2303, DomainInfoQuery(dom), alice)
    assert world.registrar(alice).balance == 100_000
    assert outbox(world)[-1] == ("example", dom)


def test_delete_after_add_grace_goes_to_redemption(world, alice, dom):
    world.clock.advance(days=5, seconds=1)
    r = world.run(DomainDelete(dom), alice)
    assert (r.code, r.result.refund.total) == (1001, 0)
    assert domain_info(world, dom).rgp_statuses == ("redemptionPeriod",)
    assert world.registrar(alice).balance == 99_000


@pytest.mark.parametrize("status", ["clientDeleteProhibited", "serverDeleteProhibited"])
def test_delete_prohibited_2304(world, alice, dom, status):
    actor = OPERATOR if status.startswith("server") else alice
    world.run(DomainUpdate(dom, add_statuses=(status,)), actor)
    refused(world, 2304, DomainDelete(dom), alice)


def test_delete_with_subordinate_hosts_2305(world, alice, dom):
    make_host(world, alice, "ns1.dom.example", "192.0.2.1")
    err = refused(world, 2305, DomainDelete(dom), alice)
    assert "ns1.dom.example" in err.reason


def test_delete_by_another_registrar_2201(world, alice, bob, dom):
    refused(world, 2201, DomainDelete(dom), bob)


def test_delete_unknown_domain_2303(world, alice):
    refused(world, 2303, DomainDelete("nothing.example"), alice)
    refused(world, 2303, DomainDelete("bad..name"), alice)


@pytest.mark.parametrize("dnssec", [{"ds_data": (DS, dataclasses.replace(DS, key_tag=1))},
                                    {"key_data": (KEY,)}])
def test_create_history_snapshot_is_the_info_read_back(world, alice, dnssec):
    """Create snapshots the new domain from what it was created with, without reading its
    parts back: the snapshot must be what an info shows."""
    owner, tech = make_contact(world, alice, "snap-owner"), make_contact(world, alice, "snap-t")
    hosts = (make_host(world, alice, "ns2.snap-ext.net"),
             make_host(world, alice, "ns1.snap-ext.net"))
    dom = make_domain(world, alice, "snap.example", nameservers=hosts, registrant=owner,
                      contacts=(("tech", tech), ("admin", owner)), **dnssec)
    recorded = world.task(lambda ctx: ctx.session.scalars(select(HistoryEntry.snapshot).where(
        HistoryEntry.object_name == dom, HistoryEntry.command == "domain_create")).one())
    assert recorded == snapshot(domain_info(world, dom))
