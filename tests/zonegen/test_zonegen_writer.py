"""The fast path against a live PowerDNS: answers change at once, signed, caches flushed."""

from __future__ import annotations

import dns.flags
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest
from zonegen_helpers import DS1, make_spec, zone_rows

from zonegen.model import Delegation, ZoneDataError
from zonegen.probe import check_delegation
from zonegen.writer import OwnerChange, ZoneWriter
from zonegen.zones import ensure_zone

pytestmark = pytest.mark.pdns


@pytest.fixture
def tld(api, db, zone_name):
    spec = make_spec(zone_name)
    ensure_zone(api, spec)
    return spec, ZoneWriter(db, api.flush_cache)


def _serial(probe, zone: str) -> int:
    reply = probe.query(zone, "SOA", dnssec=False)
    return reply.find_rrset(reply.answer, dns.name.from_text(zone), dns.rdataclass.IN,
                            dns.rdatatype.SOA)[0].serial


def test_new_delegation_is_answered_at_once_despite_caches(tld, db, probe) -> None:
    spec, writer = tld
    z = spec.name
    d = Delegation(f"fresh.{z}", (f"ns1.fresh.{z}",), {f"ns1.fresh.{z}": ["192.0.2.10"]}, (DS1,))
    for _ in range(2):   # the second query is answered from PowerDNS's packet cache
        assert probe.query(d.name, "NS").rcode() == dns.rcode.NXDOMAIN
    assert writer.write_one(spec, d.name, d)
    info = db.domain(z)
    assert check_delegation(probe, z, info.denial, d.name, d) == []

    unsigned = Delegation(d.name, ("ns.example.net.",))
    assert writer.write_one(spec, d.name, unsigned)
    assert check_delegation(probe, z, info.denial, d.name, unsigned) == []

    assert writer.write_one(spec, d.name, None)
    assert check_delegation(probe, z, info.denial, d.name, None) == []
    reply = probe.query(f"www.{d.name}", "A")
    assert reply.rcode() == dns.rcode.NXDOMAIN and reply.flags & dns.flags.AA
    assert any(r.rdtype == dns.rdatatype.NSEC3 for r in reply.authority)


def test_serial_moves_once_per_change_and_not_for_a_repeat(tld, probe) -> None:
    spec, writer = tld
    z = spec.name
    start = _serial(probe, z)
    ds = [Delegation(f"s{i}.{z}", ("ns.example.net.",)) for i in range(3)]
    result = writer.write(spec, [OwnerChange(d.name, d) for d in ds])
    assert len(result.changed) == 3 and result.serial > start
    assert _serial(probe, z) == result.serial
    again = writer.write(spec, [OwnerChange(d.name, d) for d in ds])
    assert (again.changed, again.serial) == ([], None)
    assert _serial(probe, z) == result.serial


def test_removing_an_unknown_owner_is_a_no_op(tld) -> None:
    spec, writer = tld
    assert not writer.write_one(spec, f"never-there.{spec.name}", None)


@pytest.mark.parametrize("case", ["outside", "apex-host", "nested-below", "nested-above",
                                  "mismatch"])
def test_unpublishable_changes_are_refused_and_roll_back(tld, db, case) -> None:
    spec, writer = tld
    z = spec.name
    parent = Delegation(f"p.{z}", ("ns.example.net.",))
    child = Delegation(f"c.p.{z}", ("ns.example.net.",))
    writer.write_one(spec, parent.name if case != "nested-above" else child.name,
                     parent if case != "nested-above" else child)
    before = zone_rows(db, z)
    ok = Delegation(f"ok.{z}", ("ns.example.net.",))
    bad = {
        "outside": OwnerChange("elsewhere.example.", Delegation("elsewhere.example.",
                                                                 ("ns.example.net.",))),
        "apex-host": OwnerChange(f"nic.{z}", None),
        "nested-below": OwnerChange(child.name, child),
        "nested-above": OwnerChange(parent.name, parent),
        "mismatch": OwnerChange(f"x.{z}", ok),
    }[case]
    with pytest.raises(ZoneDataError):
        writer.write(spec, [OwnerChange(ok.name, ok), bad])
    assert zone_rows(db, z) == before
