"""A real BIND 9 secondary fed by the catalog zone (loopback, ``notify no;``): the primary
NOTIFYs it as a configured secondary ([powerdns] secondaries), TLD and hosted-zone changes
reach it within the coalescing window, signed, and validate through it with delv
(issue #12 section 2)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import dns.rdatatype
import pytest
from named_consumer import NamedConsumer
from zonegen_helpers import free_port, make_spec, need_pdns

from tests.waiting import wait_for
from zonegen.catalog import ensure_catalog
from zonegen.config import PowerDnsSettings
from zonegen.hosted import HostedZones
from zonegen.hosted_rrsets import RRset
from zonegen.model import Delegation, DsRecord, ZoneSpec
from zonegen.pdnsdb import PdnsDb
from zonegen.probe import DnsProbe, ds_published
from zonegen.serials import SerialCoalescer, bump_due
from zonegen.server import ManagedPowerDns
from zonegen.verify import delv
from zonegen.writer import ZoneWriter
from zonegen.zones import ensure_zone, parent_records

pytestmark = pytest.mark.pdns

CATALOG = "catalog.pyrar."
INTERVAL = 2.0          # the coalescing window of these tests
WINDOW = 30.0           # the deadline for a change to reach BIND: interval + NOTIFY cycle + AXFR


@dataclass
class Pair:
    primary: ManagedPowerDns
    secondary: NamedConsumer
    db: PdnsDb
    serials: SerialCoalescer

    @property
    def at_secondary(self) -> DnsProbe:
        return DnsProbe("127.0.0.1", self.secondary.port)

    def writer(self) -> ZoneWriter:
        return ZoneWriter(self.db, self.primary.api().flush_cache, self.serials)

    def settle(self) -> None:
        """The drainer's tick: pending serials bumped once their interval is over."""
        bump_due(self.db, self.serials, self.primary.api().flush_cache)

    def until(self, what: str, check) -> None:
        def step():
            self.settle()
            return check()
        wait_for(what, step, WINDOW, self.log)

    def log(self) -> str:
        path = self.secondary.dir / "named.log"
        return (path.read_text()[-3000:] if path.exists() else "") + self.primary.log_tail()


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    need_pdns()
    for tool in ("named", "delv"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (apt-get install bind9 bind9-dnsutils)")
    base = tmp_path_factory.mktemp("secondary")
    named_port = free_port()
    settings = PowerDnsSettings(data_dir=str(base / "pdns"), port=free_port(),
                                webserver_port=free_port(), xfr_cycle_interval=1,
                                catalog_zone=CATALOG,
                                secondaries=(f"127.0.0.1:{named_port}",))
    primary = ManagedPowerDns(settings)
    primary.start()
    ensure_catalog(primary.api(), CATALOG)
    secondary = NamedConsumer(base / "named", named_port, settings.port, CATALOG)
    secondary.start()
    db = PdnsDb.open(settings)
    try:
        yield Pair(primary, secondary, db, SerialCoalescer(INTERVAL))
    finally:
        db.close()
        secondary.stop()
        primary.stop()


def _delegated(probe: DnsProbe, name: str) -> bool:
    reply = probe.query(name, "NS", dnssec=False)
    return any(r.rdtype == dns.rdatatype.NS and r.name.to_text() == name
               for r in reply.authority)


def _tld(pair: Pair, name: str) -> ZoneSpec:
    spec = make_spec(name)
    ensure_zone(pair.primary.api(), spec, CATALOG)
    pair.until(f"BIND serves {name}", lambda: pair.secondary.serves(name))
    return spec


def test_tld_changes_reach_the_secondary_signed_and_validated(pair, tmp_path) -> None:
    spec = _tld(pair, "sec1.")
    writer = pair.writer()
    signed = Delegation("signed.sec1.", ("ns.example.net.",),
                        ds=(DsRecord.from_text("12345 13 2 " + "ab" * 32),))
    writer.write_one(spec, signed.name, signed)
    # a burst within the window: the serial moves once more, at its end
    for i in range(5):
        writer.write_one(spec, f"b{i}.sec1.", Delegation(f"b{i}.sec1.", ("ns.example.net.",)))
    pair.until("the burst at BIND", lambda: _delegated(pair.at_secondary, "b4.sec1."))
    assert ds_published(pair.at_secondary, signed.name)
    ksk = parent_records(pair.primary.api(), spec.name).dnskey
    ok, out = delv("127.0.0.1", pair.secondary.port, spec.name, ksk, signed.name, "DS",
                   tmp_path)
    assert ok, out


def test_hosted_zone_behind_a_tld_validates_through_the_secondary(pair, tmp_path) -> None:
    spec = _tld(pair, "sec2.")
    api = pair.primary.api()
    hosted = HostedZones(api, CATALOG)
    zone = "client.sec2."
    hosted.create(zone, ["ns1.example.net."], rrsets=[RRset("www", "A", 300, ("192.0.2.1",))])
    parent = hosted.sign(zone)
    pair.until("BIND serves the hosted zone's keys",
               lambda: pair.secondary.serves(zone)
               and pair.at_secondary.query(zone, "DNSKEY").answer)
    pair.writer().write_one(spec, zone, Delegation(
        zone, ("ns1.example.net.",), ds=tuple(DsRecord.from_text(d) for d in parent.ds)))
    pair.until("the DS at BIND", lambda: ds_published(pair.at_secondary, zone))
    ksk = parent_records(api, spec.name).dnskey
    ok, out = delv("127.0.0.1", pair.secondary.port, spec.name, ksk, f"www.{zone}", "A",
                   tmp_path)
    assert ok, out
    hosted.edit(zone, replace=[RRset("www", "A", 300, ("192.0.2.2",))])
    pair.until("the hosted edit at BIND", lambda: any(
        r.to_text() == "192.0.2.2" for rrset in pair.at_secondary.query(
            f"www.{zone}", "A").answer for r in rrset if rrset.rdtype == 1))
