"""DNS hosting for held names, the registrar's side: what the user may ask for, what reaches
zonegen (one ``hosted.apply`` event per change, holding the whole wanted state), and that a
refusal changes nothing. zonegen's side: tests/zonegen/test_zonegen_core_hosted.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from registrar.core import RegistrarCore
from registrar.errors import Conflict, InvalidInput, NotFound
from registry.hosted_status import HostedStatus, record_status
from tests.registrar.conftest import TEST_SETTINGS, events, funded_user, mails

HOSTING = ("ns1.hosting.pyrar.invalid", "ns2.hosting.pyrar.invalid")
WWW = {"name": "www", "type": "A", "ttl": 300, "contents": ["192.0.2.10", "192.0.2.11"]}
MX = {"name": "@", "type": "MX", "ttl": 3600, "contents": ["10 mail.example.net."]}


@pytest.fixture
def hosting(world) -> RegistrarCore:
    return RegistrarCore(world.registry, TEST_SETTINGS, hosting_nameservers=HOSTING)


@pytest.fixture
def owner(hosting, world):
    user = funded_user(hosting, world)
    hosting.place_order(user.id, [{"name": "mine.example"}])
    return user


def applied(world) -> list[dict]:
    return [e.payload for e in events(world, "hosted")]


def test_enable_delegates_to_the_hosting_and_asks_for_an_empty_zone(hosting, world, owner):
    zone = hosting.enable_hosting(owner.id, "mine.example")
    assert zone.delegated and zone.records == () and not zone.signed
    assert zone.dnssec == "unsigned" and not zone.applied
    assert set(hosting.domain(owner.id, "mine.example").nameservers) == set(HOSTING)
    assert applied(world) == [{"zone": "mine.example", "revision": 1,
                               "nameservers": list(HOSTING), "records": [],
                               "signed": False, "remove": False}]
    with pytest.raises(Conflict):
        hosting.enable_hosting(owner.id, "mine.example")


def test_records_are_checked_as_a_whole_and_sent_whole(hosting, world, owner):
    hosting.enable_hosting(owner.id, "mine.example")
    zone = hosting.set_hosted_records(owner.id, "mine.example", [WWW, MX])
    assert [(r.name, r.type, r.ttl, r.contents) for r in zone.records] == [
        ("mine.example.", "MX", 3600, ("10 mail.example.net.",)),
        ("www.mine.example.", "A", 300, ("192.0.2.10", "192.0.2.11"))]
    last = applied(world)[-1]
    assert last["revision"] == 2 and len(last["records"]) == 2 and not last["remove"]
    # replacing is whole: what is not given goes
    zone = hosting.set_hosted_records(owner.id, "mine.example", [WWW])
    assert [r.type for r in zone.records] == ["A"]
    assert applied(world)[-1]["revision"] == 3


def test_owner_names_may_be_typed_in_u_labels(hosting, world, owner):
    """Typed as people write them, kept and served as A-labels (IDNA2008, as names are
    bought: ß stays ß), shown back as typed."""
    hosting.enable_hosting(owner.id, "mine.example")
    zone = hosting.set_hosted_records(owner.id, "mine.example", [
        {**WWW, "name": "Bücher"}, {**WWW, "name": "www.straße"},
        {**WWW, "name": "_dmarc", "type": "TXT", "contents": ['"v=DMARC1; p=none"']}])
    assert [(r.name, r.unicode_name) for r in zone.records] == [
        ("_dmarc.mine.example.", "_dmarc.mine.example."),
        ("www.xn--strae-oqa.mine.example.", "www.straße.mine.example."),
        ("xn--bcher-kva.mine.example.", "bücher.mine.example.")]
    assert {r["name"] for r in applied(world)[-1]["records"]} == {
        "_dmarc.mine.example.", "www.xn--strae-oqa.mine.example.",
        "xn--bcher-kva.mine.example."}
    for bad in ("bü cher", "bü\x00", "ü" * 70):
        with pytest.raises(InvalidInput) as e:
            hosting.set_hosted_records(owner.id, "mine.example", [{**WWW, "name": bad}])
        assert e.value.field == "records", bad
    assert len(hosting.hosted_zone(owner.id, "mine.example").records) == 3


@pytest.mark.parametrize("records, says", [
    ([{"name": "www", "type": "A", "ttl": 300, "contents": ["not-an-address"]}], "bad record"),
    ([{"name": "@", "type": "NS", "ttl": 3600, "contents": ["ns.other.net."]}], "apex name"),
    ([{"name": "www", "type": "CNAME", "ttl": 300, "contents": ["a.example.net."]},
      {"name": "www", "type": "A", "ttl": 300, "contents": ["192.0.2.1"]}], "CNAME"),
    ([{"name": "www.other.net.", "type": "A", "ttl": 300, "contents": ["192.0.2.1"]}],
     "not in the zone"),
    ([{"name": "www", "type": "A", "ttl": 5, "contents": ["192.0.2.1"]}], "TTL"),
    ([{"name": "x", "type": "DNSKEY", "ttl": 300, "contents": ["257 3 13 AA=="]}],
     "cannot be edited"),
    ([WWW, WWW], "given twice"),
    ([{"name": "www", "type": "A"}], "ttl"),
    ("www A 192.0.2.1", "list"),
    ([{"name": "sub", "type": "DS", "ttl": 300, "contents": ["1 13 2 " + "ab" * 32]}],
     "delegation"),
])
def test_bad_records_change_nothing(hosting, world, owner, records, says):
    hosting.enable_hosting(owner.id, "mine.example")
    hosting.set_hosted_records(owner.id, "mine.example", [MX])
    before = applied(world)
    with pytest.raises(InvalidInput) as e:
        hosting.set_hosted_records(owner.id, "mine.example", records)
    assert says in e.value.detail and e.value.field == "records"
    zone = hosting.hosted_zone(owner.id, "mine.example")
    assert [r.type for r in zone.records] == ["MX"] and zone.revision == 2
    assert applied(world) == before


def test_signing_is_asked_once_and_the_status_comes_from_zonegen(hosting, world, owner):
    hosting.enable_hosting(owner.id, "mine.example")
    zone = hosting.sign_hosted(owner.id, "mine.example", True)
    assert zone.signed and zone.revision == 2 and zone.dnssec == "unsigned"
    assert hosting.sign_hosted(owner.id, "mine.example", True).revision == 2   # no change
    assert [p["signed"] for p in applied(world)] == [False, True]
    with pytest.raises(InvalidInput):
        hosting.sign_hosted(owner.id, "mine.example", "yes")
    # what zonegen reports (tests/zonegen covers the reporting itself)
    later = world.clock.now() + timedelta(hours=1)
    world.registry.run(lambda ctx: record_status(ctx.session, HostedStatus(
        "mine.example.", 2, "signing", "keys-served", later), ctx.now), None, "test")
    zone = hosting.hosted_zone(owner.id, "mine.example")
    assert zone.applied and zone.dnssec == "signing" and zone.step == "keys-served"
    assert zone.next_step_at == later


def test_disable_only_when_unsigned(hosting, world, owner):
    hosting.enable_hosting(owner.id, "mine.example")
    hosting.sign_hosted(owner.id, "mine.example", True)
    with pytest.raises(Conflict, match="unsign"):
        hosting.disable_hosting(owner.id, "mine.example")
    hosting.sign_hosted(owner.id, "mine.example", False)
    world.registry.run(lambda ctx: record_status(ctx.session, HostedStatus(
        "mine.example", 3, "unsigning", "requested"), ctx.now), None, "test")
    with pytest.raises(Conflict):
        hosting.disable_hosting(owner.id, "mine.example")
    world.registry.run(lambda ctx: record_status(ctx.session, HostedStatus(
        "mine.example", 3, "unsigned"), ctx.now), None, "test")
    hosting.disable_hosting(owner.id, "mine.example")
    assert hosting.domain(owner.id, "mine.example").nameservers == ()
    assert applied(world)[-1] == {"zone": "mine.example", "revision": 4, "nameservers": [],
                                  "records": [], "signed": False, "remove": True}
    with pytest.raises(NotFound):
        hosting.hosted_zone(owner.id, "mine.example")


def test_a_name_that_leaves_takes_its_zone_and_a_gift_moves_it(hosting, world, owner):
    hosting.enable_hosting(owner.id, "mine.example")
    hosting.give(owner.id, "mine.example", "bob@example.net")
    bob = funded_user(hosting, world, "bob@example.net")
    hosting.accept_gift(bob.id, mails(world, "gifted")[-1]["values"]["token"])
    assert hosting.hosted_zone(bob.id, "mine.example").delegated
    with pytest.raises(NotFound):
        hosting.hosted_zone(owner.id, "mine.example")
    hosting.release(bob.id, "mine.example")
    assert applied(world)[-1]["remove"] is True


def test_other_users_names_and_no_hosting(hosting, core, world, owner):
    other = funded_user(hosting, world, "eve@example.net")
    with pytest.raises(NotFound):
        hosting.enable_hosting(other.id, "mine.example")
    with pytest.raises(NotFound, match="no DNS hosting"):
        core.enable_hosting(owner.id, "mine.example")      # a site without hosting
    assert applied(world) == []
