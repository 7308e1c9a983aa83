"""RFC 9615: the first DS of an unsigned delegation, from its DNS operator's signals, through
the core. Everything is on the test's PowerDNS (loopback): the TLD (its KSK is the trust
anchor), the operator's signed zone ``op.<tld>`` holding the signals under
``_dsboot.<child>._signal.ns{1,2}.op.<tld>``, and the children; the scan asks it as the name
servers' address and as the resolver, and nothing else."""

from __future__ import annotations

import pytest
from cds_children import CHILD_NS, HOLD, Child, polls, query_pdns, scan, served_ds
from sqlalchemy import select
from zonegen_core_world import CoreWorld, ds_value
from zonegen_helpers import Clock, need_pdns

from registry.models import CdsPending, HistoryEntry
from zonegen.cds_bootstrap import SignalCheck, signal_name
from zonegen.cds_run import CdsRun
from zonegen.cds_scan import CdsRefusal, CdsScanner
from zonegen.dnssec_chain import read_trust_anchors
from zonegen.hosted import HostedZones
from zonegen.outside import OutsideDns
from zonegen.zones import parent_records

pytestmark = pytest.mark.pdns

# Debian's dns-root-data: the root's keys, which do not lead to the test's TLD
ROOT_ANCHORS = "/usr/share/dns/root.ds"


class World:
    """The core's TLD, an operator zone (signed and securely delegated, or not) with two
    name servers, and the trust anchor file naming the TLD's key."""

    def __init__(self, core: CoreWorld, anchors: str) -> None:
        self.core = core
        self.api = core.pdns.api()
        self.anchors = anchors
        self.operator = self.provider("op", signed=True)

    def provider(self, label: str, signed: bool) -> tuple[str, str]:
        """A provider's zone with hosts ns1/ns2 in it (glue: the test's PowerDNS)."""
        zone = f"{label}.{self.core.zone}"
        hosts = (f"ns1.{label}.{self.core.tld}", f"ns2.{label}.{self.core.tld}")
        if signed:
            Child(self.core, label)           # signed, its DS in the TLD: a secure zone
        else:
            HostedZones(self.api).create(zone, ["ns.example.net."])
            self.core.domain(label, ns=(self.core.external_hosts()[0],))
        for host in hosts:      # no glue: the registry refuses loopback addresses
            self.core.host(host)
        # the resolver (this PowerDNS) answers the hosts' addresses from the zone itself
        self.api.patch_rrsets(zone, [{"name": h + ".", "type": "A", "ttl": 300,
                                      "changetype": "REPLACE", "records": [
                                          {"content": "127.0.0.1", "disabled": False}]}
                                     for h in hosts])
        return hosts

    def signal(self, child: Child, hosts: tuple[str, ...], cds: list[str] | None = None,
               cdnskey: list[str] | None = None) -> None:
        """The operator's signals for ``child`` under each of ``hosts`` (by default what
        the child publishes)."""
        cds = child.published("CDS") if cds is None else cds
        cdnskey = child.published("CDNSKEY") if cdnskey is None else cdnskey
        for host in hosts:
            zone = host.split(".", 1)[1] + "."
            name = signal_name(child.zone, host)
            self.api.patch_rrsets(zone, [
                {"name": name, "type": rdtype, "ttl": 300, "changetype": "REPLACE",
                 "records": [{"content": c, "disabled": False} for c in contents]}
                for rdtype, contents in (("CDS", cds), ("CDNSKEY", cdnskey)) if contents])

    def child(self, label: str, hosts: tuple[str, ...]) -> Child:
        """An unsigned delegation of a signed zone publishing CDS/CDNSKEY for its KSK."""
        return Child(self.core, label, ds=(), ns=hosts, publish_cds=True)

    def check(self, anchors: str | None = None) -> SignalCheck:
        outside = OutsideDns(("127.0.0.1", self.core.pdns.settings.port))
        return SignalCheck.create(outside.lookup, read_trust_anchors(anchors or self.anchors))


@pytest.fixture
def world(core_database, pdns, zone_name, tmp_path):
    need_pdns()
    core = CoreWorld.create(core_database, pdns, zone_name.rstrip("."))
    core.drain()
    core.host(CHILD_NS)
    anchors = tmp_path / "anchors"
    anchors.write_text("".join(f"{core.zone} IN DS {ds}\n"
                               for ds in parent_records(pdns.api(), core.zone).ds))
    w = World(core, str(anchors))
    core.drain()                              # the operator zone's DS is in the TLD
    yield w
    core.close()


def test_bootstrap_from_the_operators_signals(world) -> None:
    """The scan zonegen runs (CdsRun: glue addresses, the resolver, the trust anchors,
    the hold-down in the database) adds the first DS: history, poll, the TLD serves it."""
    core = world.core
    child = world.child("boot", world.operator)
    world.signal(child, world.operator)
    expected = sorted(ds_value(d) for d in child.published("CDS"))
    settings = core.pdns.settings
    settings = type(settings)(**{
        **settings.__dict__, "catalog_zone": "", "cds_hold_down": HOLD,
        "outside_port": settings.port, "outside_resolver": f"127.0.0.1:{settings.port}",
        "outside_networks": ("127.0.0.0/8",),
        "trust_anchors": world.anchors})
    clock = Clock()
    run = CdsRun(settings, core.state, core.registry, clock)
    report = run.scan(core.zone)
    # the operator's own (signed) delegation is scanned too: its server has no address
    # known here, so nothing was asked
    operator = CdsRefusal(f"op.{core.zone}", "no address to ask for any name server")
    assert report.changes == [] and report.refusals == [operator]   # first seen: hold-down
    assert child.core_ds() == []
    assert core.world.task(lambda ctx: len(ctx.session.scalars(select(CdsPending)).all())) == 1
    clock.now += HOLD
    report = CdsRun(settings, core.state, core.registry, clock).scan(core.zone)
    assert report.refusals == [operator]
    assert [(c.domain, c.outcome) for c in report.changes] == [(child.name, "applied")]
    assert sorted(report.changes[0].ds) == expected
    assert child.core_ds() == child.published("CDS")
    assert core.world.task(lambda ctx: ctx.session.execute(
        select(HistoryEntry.command, HistoryEntry.actor).where(
            HistoryEntry.object_name == child.name).order_by(HistoryEntry.id.desc())
        .limit(1)).one()) == ("cds_apply", "system")
    (message,) = polls(core)
    assert message.startswith(f"DS of {child.name} changed by the child's CDS/CDNSKEY")
    core.drain()
    assert served_ds(core, child) == child.published("CDS")
    # signed now: later scans follow it by RFC 7344, the signals no longer matter
    assert CdsRun(settings, core.state, core.registry, clock).scan(core.zone).changes == []


def _refused(world, child: Child, check: SignalCheck | None = None) -> CdsRefusal:
    core = world.core
    scanner = CdsScanner(hold_down=0, clock=Clock())
    applied, refused = scan(core, scanner, child, query_pdns(core),
                            bootstrap=(check or world.check()).refusal)
    assert applied == [] and child.core_ds() == [] and polls(core) == []
    assert core.world.task(lambda ctx: ctx.session.scalars(select(CdsPending)).all()) == []
    assert len(refused) == 1
    return refused[0]


def test_refusals_change_nothing(world) -> None:
    ns1, ns2 = world.operator

    # the operator's zone is not signed: its signals prove nothing
    plain = world.provider("plain", signed=False)
    unsigned = world.child("unsignedop", plain)
    world.signal(unsigned, plain)
    reason = _refused(world, unsigned).reason
    assert "not validated" in reason and "is not signed" in reason, reason

    # one name server's operator says nothing
    half = world.child("half", world.operator)
    world.signal(half, (ns1,))
    assert _refused(world, half).reason == \
        f"signal {signal_name(half.zone, ns2)} CDS missing"

    # a signal that is not what the child publishes
    other = world.child("other", world.operator)
    world.signal(other, world.operator, cds=["4242 13 2 " + "ab" * 32])
    assert _refused(world, other).reason == \
        f"signal {signal_name(other.zone, ns1)} CDS different from the child's"

    # the signals are signed, but no trust anchor leads to them (only the root's: the
    # test's TLD has no DS in any root)
    stranger = world.child("stranger", world.operator)
    world.signal(stranger, world.operator)
    assert _refused(world, stranger, world.check(ROOT_ANCHORS)).reason.endswith(
        f"not validated: {world.core.zone} has no DS: not a secure delegation")

    # a name server inside the child cannot signal for it
    inner = world.child("inner", (ns1,))
    # (glue is needed to publish it; _refused's query asks the test's PowerDNS whatever
    # the address, so nothing goes to 192.0.2.1)
    inside = world.core.host(f"ns.inner.{world.core.tld}", "192.0.2.1")
    world.core.update(inner.name, add_nameservers=(inside,))
    world.signal(inner, (ns1,))
    assert "is inside the zone" in _refused(world, inner).reason
