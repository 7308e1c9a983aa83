"""Automated DS maintenance from the child's CDS/CDNSKEY (RFC 7344, RFC 8078), through the
core: child zones are hosted on the test's PowerDNS (loopback), nothing else is asked."""

from __future__ import annotations

import dns.message
import dns.rdatatype
import pytest
from sqlalchemy import select
from zonegen_core_world import CoreWorld, ds_text, ds_value
from zonegen_helpers import Clock, need_pdns

from registry.cds import LOCKED, POLL_KIND, apply_cds
from registry.flows.context import Actor
from registry.flows.domain_info import DomainInfoQuery
from registry.hosted_records import RRset
from registry.models import HistoryEntry, PollMessage
from registry.values import DsData
from zonegen.cds_scan import CdsRefusal, CdsScanner, glue_addresses
from zonegen.hosted import CDS_PUBLICATION, HostedZones
from zonegen.model import DnssecPolicy
from zonegen.service import ZonegenService
from zonegen.zones import parent_records, zone_keys

pytestmark = pytest.mark.pdns

CHILD_NS = "ns1.cds-provider.net"
HOLD = 3600.0


@pytest.fixture
def core(core_database, pdns, zone_name):
    need_pdns()
    c = CoreWorld.create(core_database, pdns, zone_name.rstrip("."))
    c.drain()
    c.host(CHILD_NS)
    yield c
    c.close()


class Child:
    """A signed child zone on the test's PowerDNS, delegated from the core's TLD."""

    def __init__(self, core: CoreWorld, label: str, ds: tuple[DsData, ...] | None = None
                 ) -> None:
        self.core = core
        self.api = core.pdns.api()
        self.zone = f"{label}.{core.zone}"
        self.name = self.zone.rstrip(".")
        HostedZones(self.api).create(self.zone, [CHILD_NS + "."])
        HostedZones(self.api).sign(self.zone, DnssecPolicy())
        for kind in CDS_PUBLICATION:      # the tests write the CDS set themselves
            self.api.delete_metadata(self.zone, kind)
        self.first_ds = parent_records(self.api, self.zone).ds[0]
        core.domain(label, ns=(CHILD_NS,), ds=(ds_value(self.first_ds),) if ds is None
                    else ds)

    def cds(self, *contents: str) -> None:
        self.api.patch_rrsets(self.zone, [{
            "name": self.zone, "type": "CDS", "ttl": 300, "changetype": "REPLACE",
            "records": [{"content": c, "disabled": False} for c in contents]}])

    def new_ksk(self) -> str:
        before = {k.id for k in zone_keys(self.api, self.zone)}
        self.api.add_cryptokey(self.zone, {"keytype": "ksk", "active": True,
                                           "published": True, "algorithm": "ECDSAP256SHA256"})
        new = next(k for k in zone_keys(self.api, self.zone) if k.id not in before)
        return next(d for d in new.ds if d.split()[2] == "2")

    def core_ds(self) -> list[str]:
        info = self.core.world.run(DomainInfoQuery(self.name), self.core.registrar).result
        return sorted(ds_text(d) for d in info.ds_data)


def query_pdns(core: CoreWorld):
    probe = core.probe()
    return lambda address, name, rdtype: probe.query(name, rdtype)


def scan(core: CoreWorld, scanner: CdsScanner, child: Child, query=None,
         addresses=("127.0.0.1",)):
    def apply(request):
        ds = tuple(DsData(d.key_tag, d.algorithm, d.digest_type, d.digest.upper())
                   for d in request.ds)
        return core.registry.run(lambda ctx: apply_cds(ctx, request.domain, ds),
                                 Actor.system(), "cds_apply")
    return scanner.scan([core.expected(child.name)],
                        lambda d: glue_addresses(d, lambda host: list(addresses)),
                        query or query_pdns(core), apply)


def served_ds(core: CoreWorld, child: Child) -> list[str]:
    """The DS set the TLD answers (the child zone is on the same server: DS comes from the
    parent side all the same)."""
    reply = core.probe().query(child.zone, "DS", dnssec=False)
    return sorted(r.to_text() for rrset in reply.answer for r in rrset
                  if rrset.rdtype == dns.rdatatype.DS)


def polls(core: CoreWorld) -> list[str]:
    return core.world.task(lambda ctx: list(ctx.session.scalars(
        select(PollMessage.message).where(PollMessage.kind == POLL_KIND)
        .order_by(PollMessage.id))))


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

    # an unsigned delegation: bootstrap (RFC 9615) is not implemented
    unsigned = Child(core, "unsigned", ds=())
    unsigned.cds(unsigned.first_ds)
    assert "bootstrap (RFC 9615) is not supported" in _refused(core, unsigned).reason


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
                                 "outside_resolver": f"127.0.0.1:{settings.port}"})
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
