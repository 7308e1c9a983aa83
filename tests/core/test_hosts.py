"""Host create, check, info, update (addresses, statuses, RFC 5732 / RST epp-23 renames), delete."""

from __future__ import annotations

import pytest

from registry.flows.context import Actor
from registry.flows.domain_delete import DomainDelete
from registry.flows.domain_update import DomainUpdate
from registry.flows.host_check import HostCheck
from registry.flows.host_create import HostCreate
from registry.flows.host_delete import HostDelete
from registry.flows.host_info import HostInfoQuery
from registry.flows.host_update import HostUpdate
from registry.values import HostAddress
from tests.core.db_state import refused
from tests.core.objects import domain_info, make_domain, make_host, outbox
from tests.core.world import START

OPERATOR = Actor.operator("test")


def v4(*addresses: str) -> tuple[HostAddress, ...]:
    return tuple(HostAddress(a, "v4") for a in addresses)


def v6(*addresses: str) -> tuple[HostAddress, ...]:
    return tuple(HostAddress(a, "v6") for a in addresses)


def host(world, name: str, actor: Actor = OPERATOR):
    return world.run(HostInfoQuery(name), actor).result


@pytest.fixture
def own(world, alice):
    make_domain(world, alice, "alice.example")
    make_domain(world, alice, "other.example")
    return "alice.example"


@pytest.fixture
def bobs(world, bob):
    make_domain(world, bob, "bob.example")
    return "bob.example"


# --- create ---------------------------------------------------------------------------------

def test_create_internal_host_with_glue(world, alice, own):
    before = len(outbox(world))
    r = world.run(HostCreate("NS1.Alice.Example.", v4("192.0.2.1") + v6("2001:DB8:0::1")),
                  alice)
    assert (r.code, r.result.name, r.result.created_at) == (1000, "ns1.alice.example", START)
    info = host(world, "ns1.alice.example", alice)
    assert info.addresses == ("192.0.2.1", "2001:db8::1")
    assert (info.sponsor, info.creator, info.statuses) == ("alice", "alice", ("ok",))
    assert info.roid.startswith("H") and info.roid.endswith("-PYRAR")
    assert domain_info(world, own).subordinate_hosts == ("ns1.alice.example",)
    assert outbox(world)[before:] == [("example", "alice.example")]  # glue is in its delegation


def test_create_internal_host_without_glue_and_deeper_names(world, alice, own):
    make_host(world, alice, "ns1.alice.example")
    make_host(world, alice, "a.b.c.alice.example", "192.0.2.9")
    assert domain_info(world, own).subordinate_hosts == ("a.b.c.alice.example",
                                                         "ns1.alice.example")


def test_create_external_host(world, alice):
    before = len(outbox(world))
    world.run(HostCreate("ns1.epp-14.rst.icann"), alice)
    info = host(world, "ns1.epp-14.rst.icann")
    assert (info.sponsor, info.addresses) == ("alice", ())
    assert len(outbox(world)) == before  # nothing of ours to publish


def test_create_external_host_with_addresses_2306(world, alice):
    refused(world, 2306, HostCreate("ns1.example.net", v4("192.0.2.1")), alice)


def test_create_under_another_registrars_domain_2201(world, alice, bobs):
    """ICANN RST epp-25/26: no host, with or without glue, under someone else's domain."""
    refused(world, 2201, HostCreate("ns1.bob.example", v4("192.0.2.1")), alice)
    refused(world, 2201, HostCreate("ns1.bob.example"), alice)


def test_create_under_a_domain_that_does_not_exist_2303(world, alice, own):
    refused(world, 2303, HostCreate("ns1.nobody.example", v4("192.0.2.1")), alice)
    refused(world, 2303, HostCreate("ns1.nobody.example"), alice)


def test_create_with_the_name_of_a_domain_2306(world, alice, own):
    refused(world, 2306, HostCreate("alice.example"), alice)


def test_create_under_a_domain_in_redemption_2304(world, alice, own):
    world.clock.advance(days=6)
    world.run(DomainDelete("other.example"), alice)
    refused(world, 2304, HostCreate("ns1.other.example"), alice)


def test_create_existing_host_2302(world, alice, bob, own):
    make_host(world, alice, "ns1.alice.example")
    make_host(world, alice, "ns1.example.net")
    refused(world, 2302, HostCreate("ns1.alice.example"), alice)
    refused(world, 2302, HostCreate("NS1.example.NET"), bob)


@pytest.mark.parametrize("name", ["bad..name", "localhost", "-ns.example.net", "ns.xn--zz.net",
                                  "ns1.example.123", "a" * 64 + ".example.net"])
def test_create_bad_host_name_2005(world, alice, name):
    refused(world, 2005, HostCreate(name), alice)


@pytest.mark.parametrize(("address", "code"), [
    (HostAddress("127.0.0.1"), 2306),
    (HostAddress("127.1.2.3"), 2306),
    (HostAddress("0.0.0.0"), 2306),
    (HostAddress("255.255.255.255"), 2306),
    (HostAddress("224.0.0.1"), 2306),
    (HostAddress("169.254.1.1"), 2306),
    (HostAddress("240.0.0.1"), 2306),
    (HostAddress("0.1.2.3"), 2306),  # "this network": a source, never a destination
    (HostAddress("::ffff:127.0.0.1", "v6"), 2306),
    (HostAddress("2001:db8::1%eth0", "v6"), 2005),  # a zone index means nothing elsewhere
    (HostAddress("01.2.3.4"), 2005),
    (HostAddress("::1", "v6"), 2306),
    (HostAddress("::", "v6"), 2306),
    (HostAddress("fe80::1", "v6"), 2306),
    (HostAddress("ff02::1", "v6"), 2306),
    (HostAddress("256.1.1.1"), 2005),
    (HostAddress("1.2.3.4.5"), 2005),
    (HostAddress("1.2.3"), 2005),
    (HostAddress("192.0.2.1/24"), 2005),
    (HostAddress("not an address"), 2005),
    (HostAddress(""), 2005),
    (HostAddress("2001:db8::1", "v4"), 2005),  # ip="v4" with an IPv6 literal
    (HostAddress("192.0.2.1", "v6"), 2005),
    (HostAddress("192.0.2.1", "v5"), 2005),
    (HostAddress("2001:db8::g", "v6"), 2005),
])
def test_create_bad_addresses(world, alice, own, address, code):
    refused(world, code, HostCreate("ns1.alice.example", (address,)), alice)


def test_create_duplicate_addresses_collapse(world, alice, own):
    make_host(world, alice, "ns1.alice.example", "192.0.2.1", " 192.0.2.1", "2001:db8::1",
              "2001:0db8::0001")
    assert host(world, "ns1.alice.example").addresses == ("192.0.2.1", "2001:db8::1")


def test_create_too_many_addresses_2306(world, alice, own):
    refused(world, 2306, HostCreate("ns1.alice.example",
                                    v4(*(f"192.0.2.{i}" for i in range(1, 15)))), alice)
    world.run(HostCreate("ns1.alice.example", v4(*(f"192.0.2.{i}" for i in range(1, 14)))),
              alice)


# --- check and info -------------------------------------------------------------------------

def test_check(world, alice, bob, own):
    make_host(world, alice, "ns1.alice.example")
    result = world.run(HostCheck(("ns1.alice.example", "NS1.ALICE.EXAMPLE",
                                  "ns2.alice.example", "bad..name")), bob).result
    assert [(n.available, n.reason is None) for n in result.names] == [
        (False, False), (False, False), (True, True), (False, False)]


def test_info_is_public_and_shows_linked(world, alice, bob, own, bobs):
    make_host(world, alice, "ns1.alice.example", "192.0.2.1")
    assert host(world, "ns1.alice.example", bob).statuses == ("ok",)
    world.run(DomainUpdate(bobs, add_nameservers=("ns1.alice.example",)), bob)
    info = host(world, "ns1.alice.example", bob)
    assert info.statuses == ("linked", "ok")
    assert info.addresses == ("192.0.2.1",)


def test_info_unknown_host_2303(world, alice):
    refused(world, 2303, HostInfoQuery("ns9.example.net"), alice)
    refused(world, 2303, HostInfoQuery("bad..name"), alice)


# --- update: addresses and statuses ---------------------------------------------------------

@pytest.fixture
def ns1(world, alice, own):
    return make_host(world, alice, "ns1.alice.example", "192.0.2.1")


def test_update_addresses(world, alice, ns1):
    before = len(outbox(world))
    world.clock.advance(hours=1)
    r = world.run(HostUpdate(ns1, add_addresses=v4("192.0.2.2") + v6("2001:db8::53"),
                             rem_addresses=v4("192.0.2.1")), alice)
    assert r.code == 1000
    info = host(world, ns1)
    assert info.addresses == ("192.0.2.2", "2001:db8::53")
    assert (info.updater, info.updated_at) == ("alice", world.clock.now())
    assert outbox(world)[before:] == [("example", "alice.example")]
    world.run(HostUpdate(ns1, rem_addresses=v6("2001:0db8:0::53")), alice)
    assert host(world, ns1).addresses == ("192.0.2.2",)


def test_update_address_errors(world, alice, ns1):
    refused(world, 2306, HostUpdate(ns1, add_addresses=v4("192.0.2.1")), alice)
    refused(world, 2306, HostUpdate(ns1, rem_addresses=v4("192.0.2.9")), alice)
    refused(world, 2306, HostUpdate(ns1, add_addresses=v4("127.0.0.1")), alice)
    refused(world, 2005, HostUpdate(ns1, add_addresses=v4("2001:db8::1")), alice)
    refused(world, 2005, HostUpdate(ns1, rem_addresses=v4("256.1.1.1")), alice)
    refused(world, 2306, HostUpdate(ns1, add_addresses=v4(
        *(f"198.51.100.{i}" for i in range(1, 14)))), alice)


def test_update_external_host_cannot_get_addresses_2306(world, alice):
    make_host(world, alice, "ns1.example.net")
    refused(world, 2306, HostUpdate("ns1.example.net", add_addresses=v4("192.0.2.1")), alice)


def test_update_statuses(world, alice, ns1):
    world.run(HostUpdate(ns1, add_statuses=("clientDeleteProhibited",)), alice)
    assert host(world, ns1).statuses == ("clientDeleteProhibited",)
    refused(world, 2304, HostDelete(ns1), alice)
    refused(world, 2306, HostUpdate(ns1, add_statuses=("clientDeleteProhibited",)), alice)
    refused(world, 2306, HostUpdate(ns1, rem_statuses=("clientUpdateProhibited",)), alice)
    refused(world, 2306, HostUpdate(ns1, add_statuses=("clientHold",)), alice)  # domains only
    refused(world, 2306, HostUpdate(ns1, add_statuses=("serverDeleteProhibited",)), alice)
    refused(world, 2306, HostUpdate(ns1, add_statuses=("linked",)), alice)
    world.run(HostUpdate(ns1, rem_statuses=("clientDeleteProhibited",)), alice)
    assert host(world, ns1).statuses == ("ok",)


def test_client_update_prohibited_host(world, alice, ns1):
    world.run(HostUpdate(ns1, add_statuses=("clientUpdateProhibited",)), alice)
    refused(world, 2304, HostUpdate(ns1, add_addresses=v4("192.0.2.2")), alice)
    refused(world, 2304, HostUpdate(ns1, new_name="ns2.alice.example"), alice)
    refused(world, 2304, HostUpdate(ns1, rem_statuses=("clientUpdateProhibited",),
                                    add_addresses=v4("192.0.2.2")), alice)
    world.run(HostUpdate(ns1, rem_statuses=("clientUpdateProhibited",)), alice)
    world.run(HostUpdate(ns1, add_addresses=v4("192.0.2.2")), alice)


def test_server_statuses_are_the_operators(world, alice, ns1):
    world.run(HostUpdate(ns1, add_statuses=("serverUpdateProhibited",
                                            "serverDeleteProhibited")), OPERATOR)
    refused(world, 2304, HostUpdate(ns1, add_addresses=v4("192.0.2.2")), alice)
    refused(world, 2304, HostDelete(ns1), alice)
    world.run(HostUpdate(ns1, add_addresses=v4("192.0.2.2")), OPERATOR)
    assert host(world, ns1).addresses == ("192.0.2.1", "192.0.2.2")


def test_update_by_another_registrar_2201(world, alice, bob, ns1):
    """ICANN RST epp-12."""
    refused(world, 2201, HostUpdate(ns1, add_addresses=v4("192.0.2.2")), bob)
    refused(world, 2201, HostUpdate(ns1, add_statuses=("clientDeleteProhibited",)), bob)


def test_update_unknown_host_2303(world, alice):
    refused(world, 2303, HostUpdate("ns9.example.net", add_statuses=("clientUpdateProhibited",)),
            alice)


# --- update: renames (RFC 5732 3.2.5, ICANN RST epp-23) -------------------------------------

def test_rename_to_an_invalid_name_2005(world, alice, ns1):
    refused(world, 2005, HostUpdate(ns1, new_name="bad..name"), alice)
    refused(world, 2005, HostUpdate(ns1, new_name="-ns.alice.example"), alice)


def test_rename_into_another_tld_makes_it_external(world, alice, own):
    make_host(world, alice, "ns2.alice.example")
    world.run(HostUpdate("ns2.alice.example", new_name="ns2.example.net"), alice)
    info = host(world, "ns2.example.net")
    assert info.sponsor == "alice"
    assert domain_info(world, own).subordinate_hosts == ()
    refused(world, 2303, HostInfoQuery("ns2.alice.example"), alice)


def test_rename_with_glue_into_another_tld_drops_the_glue(world, alice, ns1, own):
    """RST epp-23: renaming an internal host (with addresses) out of bailiwick is accepted;
    an external host has no glue, so the addresses go."""
    world.run(HostUpdate(ns1, new_name="ns1.example.net"), alice)
    assert host(world, "ns1.example.net").addresses == ()
    assert domain_info(world, own).subordinate_hosts == ()


def test_rename_out_of_bailiwick_may_remove_the_glue_itself_but_not_add_some(world, alice,
                                                                              ns1, own):
    refused(world, 2306, HostUpdate(ns1, new_name="ns1.example.net",
                                    add_addresses=v4("192.0.2.9")), alice)
    refused(world, 2306, HostUpdate(ns1, new_name="ns1.example.net",
                                    rem_addresses=v4("192.0.2.99")), alice)
    world.run(HostUpdate(ns1, new_name="ns1.example.net", rem_addresses=v4("192.0.2.1")), alice)
    assert host(world, "ns1.example.net").addresses == ()


def test_rename_into_a_domain_that_does_not_exist_2303(world, alice, ns1):
    refused(world, 2303, HostUpdate(ns1, new_name="ns1.nobody.example"), alice)


def test_rename_into_another_registrars_domain_2201(world, alice, ns1, bobs):
    refused(world, 2201, HostUpdate(ns1, new_name="ns1.bob.example"), alice)
    make_host(world, alice, "ns.example.net")
    refused(world, 2201, HostUpdate("ns.example.net", new_name="ns.bob.example"), alice)


def test_rename_into_own_domain(world, alice, ns1, own):
    before = len(outbox(world))
    world.run(HostUpdate(ns1, new_name="ns1.other.example"), alice)
    assert domain_info(world, own).subordinate_hosts == ()
    assert domain_info(world, "other.example").subordinate_hosts == ("ns1.other.example",)
    assert host(world, "ns1.other.example").addresses == ("192.0.2.1",)
    assert set(outbox(world)[before:]) == {("example", "alice.example"),
                                           ("example", "other.example")}


def test_rename_external_host_into_own_domain(world, alice, own):
    make_host(world, alice, "ns.example.net")
    world.run(HostUpdate("ns.example.net", new_name="ns.alice.example",
                         add_addresses=v4("192.0.2.7")), alice)
    assert domain_info(world, own).subordinate_hosts == ("ns.alice.example",)
    assert host(world, "ns.alice.example").addresses == ("192.0.2.7",)


def test_rename_republishes_the_domains_that_use_it(world, alice, bob, ns1, bobs):
    world.run(DomainUpdate(bobs, add_nameservers=(ns1,)), bob)
    before = len(outbox(world))
    world.run(HostUpdate(ns1, new_name="ns9.alice.example"), alice)
    assert ("example", bobs) in outbox(world)[before:]
    assert domain_info(world, bobs).nameservers == ("ns9.alice.example",)


def test_domain_using_another_domains_host_publishes_only_itself(world, alice, bob, ns1,
                                                                  bobs):
    """Narrow glue: ns1.alice.example's addresses belong to alice.example's delegation."""
    make_host(world, bob, "ns.example.net")
    before = len(outbox(world))
    world.run(DomainUpdate(bobs, add_nameservers=(ns1, "ns.example.net")), bob)
    assert outbox(world)[before:] == [("example", bobs)]


def test_rename_external_host_used_by_another_registrar_2305(world, alice, bob, bobs):
    make_host(world, alice, "ns.example.net")
    world.run(DomainUpdate(bobs, add_nameservers=("ns.example.net",)), bob)
    refused(world, 2305, HostUpdate("ns.example.net", new_name="ns.example.org"), alice)


def test_rename_external_host_used_only_by_own_domains(world, alice, own):
    make_host(world, alice, "ns.example.net")
    world.run(DomainUpdate(own, add_nameservers=("ns.example.net",)), alice)
    world.run(HostUpdate("ns.example.net", new_name="ns.example.org"), alice)
    assert domain_info(world, own).nameservers == ("ns.example.org",)


def test_rename_onto_an_existing_host_2302(world, alice, ns1):
    make_host(world, alice, "ns2.alice.example")
    refused(world, 2302, HostUpdate(ns1, new_name="NS2.alice.example"), alice)


def test_rename_to_the_same_name_changes_nothing_but_is_allowed(world, alice, ns1):
    world.run(HostUpdate(ns1, new_name="NS1.ALICE.EXAMPLE."), alice)
    assert host(world, ns1).addresses == ("192.0.2.1",)


# --- delete ---------------------------------------------------------------------------------

def test_delete_unlinked_host(world, alice, ns1):
    before = len(outbox(world))
    assert world.run(HostDelete(ns1), alice).code == 1000
    refused(world, 2303, HostInfoQuery(ns1), alice)
    assert outbox(world)[before:] == [("example", "alice.example")]
    assert domain_info(world, "alice.example").subordinate_hosts == ()


def test_delete_external_host_writes_no_outbox_row(world, alice):
    make_host(world, alice, "ns.example.net")
    before = len(outbox(world))
    world.run(HostDelete("ns.example.net"), alice)
    assert len(outbox(world)) == before


def test_delete_linked_host_2305(world, alice, bob, ns1, bobs):
    world.run(DomainUpdate(bobs, add_nameservers=(ns1,)), bob)
    refused(world, 2305, HostDelete(ns1), alice)
    world.run(DomainUpdate(bobs, rem_nameservers=(ns1,)), bob)
    world.run(HostDelete(ns1), alice)


def test_domain_in_redemption_still_links_its_hosts(world, alice, bob, ns1, bobs):
    world.run(DomainUpdate(bobs, add_nameservers=(ns1,)), bob)
    world.clock.advance(days=6)
    world.run(DomainDelete(bobs), bob)
    refused(world, 2305, HostDelete(ns1), alice)


def test_domain_deleted_in_add_grace_unlinks_its_hosts(world, alice, bob, ns1):
    make_domain(world, bob, "brief.example", nameservers=(ns1,))
    assert host(world, ns1).statuses == ("linked", "ok")
    world.run(DomainDelete("brief.example"), bob)
    assert host(world, ns1).statuses == ("ok",)
    world.run(HostDelete(ns1), alice)


def test_delete_by_another_registrar_2201(world, alice, bob, ns1):
    refused(world, 2201, HostDelete(ns1), bob)


def test_delete_unknown_host_2303(world, alice):
    refused(world, 2303, HostDelete("ns9.example.net"), alice)
