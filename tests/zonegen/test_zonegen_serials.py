"""Secondaries follow the serial: SOA-EDIT INCEPTION-EPOCH moves it with each signature week,
and NOTIFY coalescing moves it at most once per interval (issue #12 section 2)."""

from __future__ import annotations

import time

import dns.name
import dns.rdataclass
import dns.rdatatype
import pytest
from zonegen_helpers import Clock, make_spec

from registry.hosted_records import RRset
from zonegen.hosted import HostedZones
from zonegen.model import Delegation
from zonegen.serials import SerialCoalescer, bump_due
from zonegen.writer import ZoneWriter
from zonegen.zones import SOA_EDIT, ensure_zone, signature_week_start

pytestmark = pytest.mark.pdns


def _serial(probe, zone: str) -> int:
    reply = probe.query(zone, "SOA", dnssec=False)
    return reply.find_rrset(reply.answer, dns.name.from_text(zone), dns.rdataclass.IN,
                            dns.rdatatype.SOA)[0].serial


def _store_serial(db, api, zone: str, serial: int) -> None:
    info = db.domain(zone)
    soa_id, content = db.soa(info.id, zone)
    parts = content.split()
    parts[2] = str(serial)
    db.execute("UPDATE records SET content = ? WHERE id = ?", (" ".join(parts), soa_id))
    api.flush_cache(zone)


def test_a_new_signature_week_moves_the_served_serial(api, db, probe, zone_name) -> None:
    """What a secondary sees of a quiet zone: once the stored serial is older than the start
    of the signature week (as it is the week after the last change), the served serial is
    that start, so the weekly re-signing reaches the secondaries by a normal transfer."""
    spec = make_spec(zone_name)
    ensure_zone(api, spec)
    assert {k: api.zone(zone_name, rrsets=False)[k] for k in SOA_EDIT} == SOA_EDIT
    week = signature_week_start(time.time())
    assert week < _serial(probe, zone_name) <= time.time() + 10    # created "now"
    _store_serial(db, api, zone_name, week - 7 * 86400)    # last changed the week before
    assert _serial(probe, zone_name) == week
    # the next change moves it past the week's start, not by one from the stored value
    ZoneWriter(db, api.flush_cache).write_one(
        spec, f"a.{zone_name}", Delegation(f"a.{zone_name}", ("ns.example.net.",)))
    assert week < _serial(probe, zone_name) <= time.time() + 10


def test_hosted_zones_edit_serials_move(api, probe, zone_name) -> None:
    hosted = HostedZones(api)
    zone = f"serial.{zone_name}"
    hosted.create(zone, ["ns1.example.net."])
    assert {k: api.zone(zone, rrsets=False)[k] for k in SOA_EDIT} == SOA_EDIT
    first = _serial(probe, zone)
    assert first > signature_week_start(time.time())
    hosted.edit(zone, replace=[RRset("www", "A", 300, ("192.0.2.1",))])
    assert _serial(probe, zone) > first


def test_notifications_are_coalesced_per_interval(api, db, probe, zone_name) -> None:
    spec = make_spec(zone_name)
    ensure_zone(api, spec)
    clock = Clock()
    serials = SerialCoalescer(10, clock)
    writer = ZoneWriter(db, api.flush_cache, serials)
    names = iter(f"c{i}.{zone_name}" for i in range(10))

    def change() -> None:
        name = next(names)
        assert writer.write_one(spec, name, Delegation(name, ("ns.example.net.",)))

    start = _serial(probe, zone_name)
    change()                                   # a quiet zone: at once
    first = _serial(probe, zone_name)
    assert first > start
    change()
    clock.now += 5
    change()                                   # within the interval: records, not serial
    assert _serial(probe, zone_name) == first
    assert probe.query(f"c2.{zone_name}", "NS").authority   # served at once all the same
    assert bump_due(db, serials, api.flush_cache) == []
    assert serials.next_due() == 5
    clock.now += 5
    assert bump_due(db, serials, api.flush_cache) == [zone_name]
    second = _serial(probe, zone_name)
    assert second > first
    assert bump_due(db, serials, api.flush_cache) == [] and serials.next_due() is None
    clock.now += 10
    change()                                   # quiet again: at once
    assert _serial(probe, zone_name) > second


def test_signing_and_unsigning_move_a_hosted_zones_serial(api, probe, zone_name) -> None:
    """Keys are no records: without a serial change a secondary keeps the old zone."""
    hosted = HostedZones(api, clock=Clock())
    zone = f"keys.{zone_name}"
    hosted.create(zone, ["ns1.example.net."])
    before = _serial(probe, zone)
    hosted.sign(zone)
    signed = _serial(probe, zone)
    assert signed > before
    hosted.begin_unsign(zone, ds_ttl=60, remove_parent_ds=lambda z: None)
    hosted.confirm_ds_gone(zone)
    hosted.clock.now += 60
    assert hosted.run_scheduled(lambda z: False, zones=[zone]) == [zone]
    assert _serial(probe, zone) > signed
