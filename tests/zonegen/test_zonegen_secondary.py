"""A real BIND 9 secondary fed by the catalog zone (loopback, ``notify no;``): the primary
NOTIFYs it as a configured secondary ([powerdns] secondaries), TLD and hosted-zone changes
reach it within the coalescing window, signed, and validate through it with delv
(issue #12 section 2)."""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass

import dns.rdatatype
import pytest
from named_consumer import NamedConsumer
from zonegen_helpers import Clock, free_port, make_spec, need_pdns

from registry.hosted_records import RRset
from tests.waiting import wait_for
from zonegen.catalog import ensure_catalog
from zonegen.config import PowerDnsSettings
from zonegen.hosted import HostedZones
from zonegen.model import Delegation, DsRecord, ZoneSpec
from zonegen.pdnsdb import PdnsDb
from zonegen.probe import DnsProbe, ds_published
from zonegen.serials import SerialCoalescer, bump_due
from zonegen.served import OurServers, parent_in
from zonegen.server import ManagedPowerDns
from zonegen.verify import delv
from zonegen.writer import ZoneWriter
from zonegen.zones import ensure_zone, parent_records, zone_keys

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


def _serial(probe: DnsProbe, zone: str) -> int | None:
    reply = probe.query(zone, "SOA", dnssec=False)
    return next((r[0].serial for r in reply.answer if r.rdtype == dns.rdatatype.SOA), None)


def _caught_up(pair: Pair, zone: str) -> bool:
    """BIND has the primary's version of ``zone`` (no change is pending)."""
    primary = DnsProbe("127.0.0.1", pair.primary.settings.port)
    return not pair.serials.next_due() and _serial(pair.at_secondary, zone) == _serial(
        primary, zone)


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


class Validator:
    """delv through BIND every 100 ms in a thread: each answer secure, insecure or bogus."""

    def __init__(self, pair: Pair, anchor_zone: str, ksk: tuple[str, ...], name: str,
                 workdir) -> None:
        self.args = ("127.0.0.1", pair.secondary.port, anchor_zone, ksk, name, "A", workdir)
        self.outcomes: list[tuple[str, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            ok, out = delv(*self.args)
            kind = "secure" if ok else "insecure" if "; unsigned answer" in out else "bogus"
            self.outcomes.append((kind, out))

    def __enter__(self) -> Validator:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(30)

    def last(self) -> str | None:
        return self.outcomes[-1][0] if self.outcomes else None

    def seen(self) -> int:
        return len(self.outcomes)


class Roll:
    """One hosted zone under a TLD of the pair, signed and unsigned as the scheduler does it,
    recording what BIND served at each DS and key step."""

    def __init__(self, pair: Pair, spec: ZoneSpec, zone: str, clock: Clock) -> None:
        self.pair, self.spec, self.zone, self.clock = pair, spec, zone, clock
        self.api = pair.primary.api()
        self.hosted = HostedZones(self.api, CATALOG, clock=clock)
        self.writer = pair.writer()
        self.servers = OurServers((DnsProbe("127.0.0.1", pair.primary.settings.port),
                                   pair.at_secondary),
                                  parent_in(lambda z: self.api.zone(z, rrsets=False)
                                            is not None))
        self.keys_at_bind_when_ds_went_out: list[bool] = []
        self.ds_at_bind_when_keys_went: list[bool] = []

    def delegate(self, ds: tuple[str, ...]) -> None:
        self.writer.write_one(self.spec, self.zone, Delegation(
            self.zone, ("ns1.example.net.",), ds=tuple(DsRecord.from_text(d) for d in ds)))

    def keys_served(self, z: str) -> bool:
        keys = [k.dnskey for k in zone_keys(self.api, z) if k.published]
        return self.servers.keys_served(z, keys)

    def _publish(self, z: str) -> None:
        self.keys_at_bind_when_ds_went_out.append(
            bool(self.pair.at_secondary.query(z, "DNSKEY").answer))
        self.delegate(parent_records(self.api, z).ds)

    def sign(self) -> None:
        self.hosted.sign(self.zone)

        def step() -> bool:
            self.hosted.run_scheduled(self.servers.ds_visible, [self.zone],
                                      keys_served=self.keys_served, publish_ds=self._publish)
            state = self.hosted.sign_state(self.zone)
            if state is not None and state.step == "keys-served":
                self.clock.now = state.ds_allowed_at          # the zone's TTLs have passed
            return state is None
        self.pair.until(f"the DS of {self.zone} published, once safe", step)

    def unsign(self) -> None:
        self.hosted.begin_unsign(self.zone, self.spec.ds_ttl,
                                 remove_parent_ds=lambda z: self.delegate(()))

        def step() -> bool:
            ds_at_bind = ds_published(self.pair.at_secondary, self.zone)
            removed = self.hosted.run_scheduled(self.servers.ds_visible, [self.zone],
                                                keys_served=self.keys_served)
            if removed:
                self.ds_at_bind_when_keys_went.append(ds_at_bind)
            state = self.hosted.unsign_state(self.zone)
            if state is not None and state.step == "ds-gone":
                self.clock.now = state.keys_removable_at      # the DS TTL has passed
            return removed == [self.zone]
        self.pair.until(f"the keys of {self.zone} removed, once safe", step)


def test_a_sign_and_an_unsign_validate_at_every_moment(pair, tmp_path) -> None:
    """The whole roll, watched through the secondary: insecure, then secure, then insecure
    again, and never bogus (a DS before BIND has the keys, or keys gone while BIND still
    has the DS, would be)."""
    spec = _tld(pair, "sec3.")
    roll = Roll(pair, spec, "roll.sec3.", Clock(time.time()))  # TTL waits: the clock moves
    roll.hosted.create(roll.zone, ["ns1.example.net."],
                       rrsets=[RRset("www", "A", 300, ("192.0.2.1",))])
    roll.delegate(())
    pair.until("BIND serves the hosted zone and its delegation",
               lambda: pair.secondary.serves(roll.zone) and _caught_up(pair, spec.name))
    ksk = parent_records(roll.api, spec.name).dnskey
    with Validator(pair, spec.name, ksk, f"www.{roll.zone}", tmp_path) as watch:
        pair.until("a first answer", lambda: watch.last() == "insecure")
        roll.sign()
        pair.until("www validated through BIND", lambda: watch.last() == "secure")
        roll.unsign()
        pair.until("BIND serves the zone unsigned",
                   lambda: not pair.at_secondary.query(roll.zone, "DNSKEY").answer)
        seen = watch.seen()
        pair.until("answers after the roll", lambda: watch.seen() > seen + 3)
    assert roll.keys_at_bind_when_ds_went_out == [True]
    assert roll.ds_at_bind_when_keys_went == [False]
    kinds = [kind for kind, _out in watch.outcomes]
    bogus = [out for kind, out in watch.outcomes if kind == "bogus"]
    assert bogus == [], bogus[:3]
    assert kinds[0] == "insecure" and "secure" in kinds and kinds[-1] == "insecure"


def test_a_zone_signed_as_it_is_created_waits_for_the_secondary(pair) -> None:
    """The case seen in the field: BIND learns of a new zone only with the catalog's next
    serial, so a DS sent right after the keys met a secondary without the zone at all."""
    spec = _tld(pair, "sec4.")
    roll = Roll(pair, spec, "fresh.sec4.", Clock(time.time()))
    roll.hosted.create(roll.zone, ["ns1.example.net."],
                       rrsets=[RRset("www", "A", 300, ("192.0.2.1",))])
    roll.delegate(())
    roll.sign()
    assert roll.keys_at_bind_when_ds_went_out == [True]
