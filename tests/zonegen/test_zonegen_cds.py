"""Automated DS maintenance from the child's CDS/CDNSKEY (RFC 7344, RFC 8078), through the
core: child zones are hosted on the test's PowerDNS (loopback), nothing else is asked."""

from __future__ import annotations

import dns.message
import dns.rdatatype
import pytest
from cds_children import (
    CHILD_NS,
    HOLD,
    Child,
    polls,
    query_pdns,
    scan,
    served_ds,
)
from sqlalchemy import select
from zonegen_core_world import CoreWorld
from zonegen_helpers import Clock, need_pdns

from registry.cds import LOCKED
from registry.hosted_records import RRset
from registry.models import CdsPending, HistoryEntry
from registry.values import DsData
from zonegen.cds_run import CoreHoldDown
from zonegen.cds_scan import CdsRefusal, CdsScanner, glue_addresses
from zonegen.hosted import HostedZones
from zonegen.model import Delegation
from zonegen.outside import OutsideDns
from zonegen.service import ZonegenService

pytestmark = pytest.mark.pdns

@pytest.fixture
def core(core_database, pdns, zone_name):
    need_pdns()
    c = CoreWorld.create(core_database, pdns, zone_name.rstrip("."))
    c.drain()
    c.host(CHILD_NS)
    yield c
    c.close()


def test_add_roll_and_delete(core) -> None:
    clock = Clock()
    scanner = CdsScanner(hold_down=HOLD, clock=clock)
    child = Child(core, "rolling")
    old = child.first_ds
    assert scan(core, scanner, child) == ([], [])               # no CDS: nothing asked

    new = child.new_ksk()                                       # pre-publish: both DS
    child.cds(old, new)
    assert scan(core, scanner, child) == ([], [])               # first seen: hold-down
    clock.now += HOLD - 1
    assert scan(core, scanner, child) == ([], [])
    assert child.core_ds() == [old]
    clock.now += 1
    applied, refused = scan(core, scanner, child)
    assert refused == [] and [c.outcome for c in applied] == ["applied"]
    assert child.core_ds() == sorted([old, new])
    assert core.world.task(lambda ctx: ctx.session.execute(
        select(HistoryEntry.command, HistoryEntry.actor).where(
            HistoryEntry.object_name == child.name).order_by(HistoryEntry.id.desc())
        .limit(1)).one()) == ("cds_apply", "system")
    (message,) = polls(core)                                    # the sponsor is told
    assert message.startswith(f"DS of {child.name} changed by the child's CDS/CDNSKEY")
    assert all(f"{ds.split()[0]} 13 2" in message for ds in (old, new))
    core.drain()
    assert served_ds(core, child) == sorted([old, new])         # the TLD serves it

    child.cds(new)                                              # roll: the old key retires
    scan(core, scanner, child)
    clock.now += HOLD
    assert [c.outcome for c in scan(core, scanner, child)[0]] == ["applied"]
    assert child.core_ds() == [new]

    child.cds("0 0 0 00")                                       # RFC 8078: delete the DS
    scan(core, scanner, child)
    clock.now += HOLD
    assert [c.outcome for c in scan(core, scanner, child)[0]] == ["applied"]
    assert child.core_ds() == [] and len(polls(core)) == 3
    core.drain()
    assert served_ds(core, child) == []


def _refused(core, child: Child, query=None, addresses=("127.0.0.1",)) -> CdsRefusal:
    clock = Clock()
    scanner = CdsScanner(hold_down=0, clock=clock)
    before = child.core_ds()
    applied, refused = scan(core, scanner, child, query, addresses)
    assert applied == [] and child.core_ds() == before and polls(core) == []
    assert len(refused) == 1
    return refused[0]


def test_refusals_change_nothing(core) -> None:
    # signed by a key the current DS does not name (the DS is someone else's): unvalidated
    stale = DsData(999, 13, 2, "EE" * 32)
    foreign = Child(core, "stale", ds=(stale,))
    foreign.cds(foreign.first_ds)
    assert "no DNSKEY matches the current DS set" in _refused(core, foreign).reason

    # a DS for a key the child does not publish would break it
    broken = Child(core, "broken")
    broken.cds("4242 13 2 " + "ab" * 32)
    assert "matches no DNSKEY of the child" in _refused(core, broken).reason

    # the name servers answer differently (one of them has no CDS yet)
    partial = Child(core, "partial")
    partial.cds(partial.new_ksk())
    real = query_pdns(core)

    def lagging(address: str, name: str, rdtype: str) -> dns.message.Message:
        reply = real(address, name, rdtype)
        if address == "127.0.0.2" and rdtype in ("CDS", "CDNSKEY"):
            reply.answer = []
        return reply
    refusal = _refused(core, partial, lagging, ("127.0.0.1", "127.0.0.2"))
    assert refusal.reason == "the name servers answer differently"

    # a CDS set served without its signatures (stripped on the way, or never signed)
    bare = Child(core, "bare")
    bare.cds(bare.new_ksk())

    def stripped(address: str, name: str, rdtype: str) -> dns.message.Message:
        reply = real(address, name, rdtype)
        if rdtype == "CDS":
            reply.answer = [r for r in reply.answer if r.rdtype != dns.rdatatype.RRSIG]
        return reply
    assert _refused(core, bare, stripped).reason == "127.0.0.1: CDS set not signed"

    # an unsigned delegation, and no RFC 9615 check to bootstrap it with
    unsigned = Child(core, "unsigned", ds=())
    unsigned.cds(unsigned.first_ds)
    assert "bootstrap (RFC 9615) needs" in _refused(core, unsigned).reason


def test_the_sponsors_lock_keeps_the_ds(core) -> None:
    child = Child(core, "locked")
    child.cds(child.new_ksk())
    core.update(child.name, add_statuses=("clientUpdateProhibited",))
    scanner = CdsScanner(hold_down=0, clock=Clock())
    before = child.core_ds()
    applied, refused = scan(core, scanner, child)
    assert refused == [] and [c.outcome for c in applied] == [LOCKED]
    assert child.core_ds() == before and polls(core) == []


def test_the_service_scans_on_its_interval(core) -> None:
    """The name server's address comes from the configured resolver (here the test's
    PowerDNS, holding the provider's zone); the child is asked there."""
    child = Child(core, "served")
    provider = f"provider-{core.tld}.net."
    HostedZones(core.pdns.api()).create(provider, ["ns1." + provider],
                                        rrsets=[RRset("ns1", "A", 300, ("127.0.0.1",))])
    ns = core.host(f"ns1.{provider}".rstrip("."))
    core.update(child.name, add_nameservers=(ns,), rem_nameservers=(CHILD_NS,))
    new = child.new_ksk()
    child.cds(child.first_ds, new)
    settings = core.pdns.settings
    settings = type(settings)(**{**settings.__dict__, "catalog_zone": "", "cds_interval": 600,
                                 "cds_hold_down": 0, "outside_port": settings.port,
                                 "outside_resolver": f"127.0.0.1:{settings.port}",
                                 "outside_networks": ("127.0.0.0/8",)})
    clock = Clock()
    off = type(settings)(**{**settings.__dict__, "cds_off_tlds": (core.tld,)})
    ZonegenService(off, None, core.state, core.events, clock=clock,
                   registry=core.registry).scan_cds_if_due()
    assert child.core_ds() == [child.first_ds]      # the TLD's switch is off: not scanned
    service = ZonegenService(settings, None, core.state, core.events, clock=clock,
                             registry=core.registry)
    service.scan_cds_if_due()
    assert child.core_ds() == sorted([child.first_ds, new])
    child.cds(new)
    service.scan_cds_if_due()                       # not due yet: the interval
    assert child.core_ds() == sorted([child.first_ds, new])
    clock.now += 600
    service.scan_cds_if_due()
    assert child.core_ds() == [new]


def test_a_restart_keeps_the_hold_down(core) -> None:
    """The scanner's memory is the registry's: a new scanner (zonegen restarted) applies a
    request once it has been seen for the hold-down since it was first seen, not since the
    restart; a request that changes starts the wait again."""
    clock = Clock()
    child = Child(core, "restarted")
    new = child.new_ksk()
    child.cds(child.first_ds, new)

    def scanner() -> CdsScanner:
        return CdsScanner(hold_down=HOLD, clock=clock, store=CoreHoldDown(core.registry))

    assert scan(core, scanner(), child) == ([], [])          # first seen: remembered
    assert core.world.task(lambda ctx: len(ctx.session.scalars(select(CdsPending)).all())) == 1
    clock.now += HOLD - 10
    assert scan(core, scanner(), child) == ([], [])          # restarted, still waiting
    child.cds(new)                                            # the request changes: anew
    clock.now += 10
    assert scan(core, scanner(), child) == ([], [])
    clock.now += HOLD - 1
    assert scan(core, scanner(), child) == ([], [])
    assert child.core_ds() == [child.first_ds]
    clock.now += 1
    applied, refused = scan(core, scanner(), child)           # restarted again: due now
    assert refused == [] and [c.outcome for c in applied] == ["applied"]
    assert child.core_ds() == [new]
    assert core.world.task(lambda ctx: ctx.session.scalars(select(CdsPending)).all()) == []


def test_only_allowed_networks_are_asked() -> None:
    """Glue is registrants' data: by default only public addresses are asked, never
    loopback, private or documentation ones (nothing is sent by this test)."""
    delegation = Delegation("x.t.", ("ns.x.t.", "ns.example.net."), {"ns.x.t.": ["192.0.2.1"]})
    public = OutsideDns(None)
    assert [public.allowed(a) for a in ("192.0.2.1", "127.0.0.1", "10.1.2.3", "::1",
                                        "fd00::1", "100.64.0.1", "1.1.1.1")] == \
        [False] * 6 + [True]
    assert glue_addresses(delegation, lambda host: ["1.1.1.1"], public.allowed) == []
    lab = OutsideDns(None, networks=("192.0.2.0/24", "203.0.113.0/24"))
    assert sorted(glue_addresses(delegation, lambda host: ["203.0.113.5", "1.1.1.1"],
                                 lab.allowed)) == ["192.0.2.1", "203.0.113.5"]
