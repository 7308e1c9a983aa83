"""Hosted client zones: validated edits, signing, and unsigning in the safe order."""

from __future__ import annotations

import shutil

import dns.rdatatype
import pytest
from zonegen_helpers import Clock, make_spec

from registry.hosted_records import RRset, RRsetError
from zonegen.catalog import catalog_members, ensure_catalog
from zonegen.hosted import HostedZones, UnsignState
from zonegen.model import Delegation, DsRecord
from zonegen.outside import OutsideDns
from zonegen.probe import ds_published
from zonegen.served import OurServers
from zonegen.verify import delv
from zonegen.writer import ZoneWriter
from zonegen.zones import ensure_zone

pytestmark = pytest.mark.pdns


@pytest.fixture
def hosted(api):
    return HostedZones(api)


def _client(zone_name: str) -> str:
    return f"client.{zone_name}"


def test_create_and_edit(hosted, probe, zone_name) -> None:
    z = _client(zone_name)
    hosted.create(z, ["ns1.example.net.", "ns2.example.net."],
                  rrsets=[RRset("www", "A", 300, ("192.0.2.1",)),
                          RRset("@", "MX", 3600, ("10 mail",))])
    keys = {r.key for r in hosted.rrsets(z)}
    assert keys == {(z, "NS"), (z, "MX"), (f"www.{z}", "A")}
    changed = hosted.edit(z, replace=[RRset("www", "A", 300, ("192.0.2.2", "192.0.2.1")),
                                      RRset("txt", "TXT", 300, ('"hello world"',))],
                          delete=[("@", "MX")])
    assert changed == [(z, "MX"), (f"txt.{z}", "TXT"), (f"www.{z}", "A")]
    assert hosted.edit(z, replace=[RRset(f"www.{z}", "a", 300, ("192.0.2.1", "192.0.2.2"))]
                       ) == []
    answer = probe.query(f"www.{z}", "A", dnssec=False).answer
    assert sorted(r.address for r in answer[0]) == ["192.0.2.1", "192.0.2.2"]


@pytest.mark.parametrize(("replace", "delete", "message"), [
    ([RRset("@", "CNAME", 300, ("other.example.",))], [], "no CNAME at the zone apex"),
    ([RRset("www", "CNAME", 300, ("other.example.",))], [], "cannot share its name"),
    ([RRset("x", "DS", 300, ("1 13 2 " + "ab" * 32,))], [], "belongs at a delegation"),
    ([RRset("sub", "NS", 300, ("ns.example.net.",)), RRset("a.sub", "TXT", 300, ('"x"',))],
     [], "only glue"),
    ([RRset("www", "A", 300, ("300.1.1.1",))], [], "bad record"),
    ([RRset("www", "A", 5, ("192.0.2.1",))], [], "TTL must be"),
    ([RRset("@", "SOA", 300, ("a. b. 1 2 3 4 5",))], [], "cannot be edited"),
    ([RRset("www.elsewhere.example.", "A", 300, ("192.0.2.1",))], [], "not in the zone"),
    ([], [("@", "NS")], "apex NS"),
])
def test_invalid_edits_change_nothing(hosted, zone_name, replace, delete, message) -> None:
    z = _client(zone_name)
    hosted.create(z, ["ns1.example.net."], rrsets=[RRset("www", "A", 300, ("192.0.2.1",))])
    before = hosted.rrsets(z)
    with pytest.raises(RRsetError, match=message):
        hosted.edit(z, replace=replace, delete=delete)
    assert hosted.rrsets(z) == before


def test_sign_then_unsign_in_safe_order(pdns, api, db, probe, zone_name, tmp_path) -> None:
    # the parent TLD is ours too: the core puts the client's DS in its delegation
    tld = make_spec(zone_name)
    ensure_zone(api, tld)
    writer = ZoneWriter(db, api.flush_cache)
    clock = Clock()
    hosted = HostedZones(api, clock=clock)
    z = _client(zone_name)
    hosted.create(z, ["ns1.example.net."], rrsets=[RRset("www", "A", 300, ("192.0.2.1",))])
    parent = hosted.sign(z)
    assert hosted.is_signed(z) and parent.ds and parent.dnskey

    def delegate(ds: tuple) -> None:
        writer.write_one(tld, z, Delegation(z, ("ns1.example.net.",),
                                            ds=tuple(DsRecord.from_text(d) for d in ds)))

    # CDS/CDNSKEY for the KSK: a parent that is not ours can follow the keys
    cds = probe.query(z, "CDS").answer
    assert [r.to_text() for s in cds for r in s if s.rdtype == dns.rdatatype.CDS] == \
        list(parent.ds)
    delegate(parent.ds)
    assert ds_published(probe, z)
    if shutil.which("delv"):
        ok, out = delv("127.0.0.1", pdns.settings.port, z, parent.dnskey, f"www.{z}", "A",
                       tmp_path)
        assert ok, out
    # a second sign() is a no-op returning the same DS
    assert hosted.sign(z).ds == parent.ds

    # the DS stays at the parent: keys must stay however long we wait
    state = hosted.begin_unsign(z, ds_ttl=tld.ds_ttl, remove_parent_ds=lambda zone: None)
    assert state == UnsignState(z, "requested", clock.now, tld.ds_ttl)
    clock.now += 10 * tld.ds_ttl
    assert hosted.run_scheduled(lambda zone: ds_published(probe, zone), zones=[z]) == []
    assert hosted.is_signed(z)

    # now the core removes the DS; the TTL counts from when the parent stopped serving it
    state = hosted.begin_unsign(z, ds_ttl=tld.ds_ttl, remove_parent_ds=lambda zone: delegate(()))
    assert not ds_published(probe, z)
    assert hosted.run_scheduled(lambda zone: ds_published(probe, zone), zones=[z]) == []
    gone = hosted.unsign_state(z)
    assert gone.step == "ds-gone" and gone.keys_removable_at == clock.now + tld.ds_ttl
    clock.now += tld.ds_ttl - 1
    assert hosted.run_scheduled(lambda zone: ds_published(probe, zone), zones=[z]) == []
    assert hosted.is_signed(z)
    clock.now += 1
    assert hosted.run_scheduled(lambda zone: ds_published(probe, zone), zones=[z]) == [z]
    assert not hosted.is_signed(z) and hosted.unsign_state(z) is None
    reply = probe.query(f"www.{z}", "A")
    assert not any(r.rdtype == dns.rdatatype.RRSIG for r in reply.answer)
    assert not ds_published(probe, z)


def test_sign_cancels_a_pending_unsign(hosted, zone_name) -> None:
    z = _client(zone_name)
    hosted.create(z, ["ns1.example.net."])
    hosted.sign(z)
    hosted.begin_unsign(z, ds_ttl=60, remove_parent_ds=lambda zone: None)
    assert hosted.unsign_state(z) is not None
    hosted.sign(z)
    assert hosted.unsign_state(z) is None and hosted.is_signed(z)


def test_the_hold_down_is_the_longest_ttl_unless_configured(api, zone_name) -> None:
    z = _client(zone_name)
    hosted = HostedZones(api)
    hosted.create(z, ["ns1.example.net."], rrsets=[RRset("www", "A", 7200, ("192.0.2.1",))])
    hosted.sign(z)
    assert hosted.sign_state(z).hold == 7200                   # the A record's TTL
    fast = HostedZones(api, hold_down=0)                      # [powerdns] hosted_hold_down
    fast.create(f"b{z}", ["ns1.example.net."])
    fast.sign(f"b{z}")
    assert fast.sign_state(f"b{z}").hold == 0


def test_hosted_zones_join_the_catalog(pdns, api, zone_name) -> None:
    catalog = f"cat-hosted-{zone_name}pyrar."
    ensure_catalog(api, catalog)
    z = _client(zone_name)
    HostedZones(api, catalog=catalog).create(z, ["ns1.example.net."])
    assert catalog_members(catalog, port=pdns.settings.port) == {z}


def test_a_foreign_parent_is_asked_through_the_configured_resolver(pdns, api, probe,
                                                                   zone_name) -> None:
    """A parent that is not ours: its own name servers, found through the configured
    resolver (here this PowerDNS, which also plays that parent), say when the DS is gone."""
    port = pdns.settings.port
    parent = f"foreign-{zone_name}"
    child = f"child.{parent}"
    hosted = HostedZones(api, clock=Clock())
    hosted.create(parent, [f"ns1.{parent}"], rrsets=[RRset("ns1", "A", 300, ("127.0.0.1",))])
    hosted.create(child, ["ns1.example.net."])
    ds = hosted.sign(child).ds
    hosted.edit(parent, replace=[RRset("child", "NS", 3600, ("ns1.example.net.",)),
                                 RRset("child", "DS", 3600, ds)])
    outside = OutsideDns(("127.0.0.1", port), port, ("127.0.0.0/8",))
    servers = OurServers((probe,), lambda z: False, outside)
    assert outside.parent_servers(child) == ["127.0.0.1"]
    assert servers.ds_visible(child) is True
    state = hosted.begin_unsign(child, ds_ttl=3600, remove_parent_ds=lambda z: None)
    hosted.clock.now += 10 * 3600
    assert hosted.run_scheduled(servers.ds_visible, [child]) == []      # the parent has it
    assert hosted.unsign_state(child) == state
    hosted.edit(parent, delete=[("child", "DS")])                       # the parent drops it
    assert servers.ds_visible(child) is False
    assert hosted.run_scheduled(servers.ds_visible, [child]) == []
    assert hosted.unsign_state(child).keys_removable_at == hosted.clock.now + 3600
    hosted.clock.now += 3600
    assert hosted.run_scheduled(servers.ds_visible, [child]) == [child]
    # without a resolver nothing can be told, and nothing is asked
    assert OurServers((probe,), lambda z: False, OutsideDns(None)).ds_visible(child) is None
