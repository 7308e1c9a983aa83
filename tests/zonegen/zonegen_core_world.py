"""The real registry core for zonegen's tests: a migrated database (SQLite or MariaDB), a TLD
with DNS settings made by the admin functions, a registrar, core flows, and the events
drainer (the core's events consumer "dns") over ``CoreState`` publishing into a real
PowerDNS."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from registry import scheduler
from registry.admin.tlds import set_dns_settings
from registry.clock import FixedClock
from registry.db import Database, make_engine
from registry.events.store import RegistryEvents
from registry.flows.context import Actor
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_delete import DomainDelete
from registry.flows.domain_restore import DomainRestoreReport, DomainRestoreRequest
from registry.flows.domain_update import DomainUpdate
from registry.flows.host_create import HostCreate
from registry.flows.host_update import HostUpdate
from registry.models import Domain, Event
from registry.service import Registry
from registry.values import DsData, HostAddress, KeyDataValue
from tests.core.world import SETTINGS, START, STRONG, World
from tests.databases import empty_tables
from zonegen.cli import dns_settings
from zonegen.core_state import CoreState
from zonegen.drainer import DrainReport, OutboxDrainer
from zonegen.model import Delegation
from zonegen.pdnsdb import PdnsDb
from zonegen.probe import DnsProbe, check_delegation
from zonegen.rectify import Denial
from zonegen.server import ManagedPowerDns
from zonegen.zones import parent_records

# addresses of the documentation ranges: glue is data, nothing is ever sent there
# (PowerDNS runs with an empty only-notify: it neither resolves nor notifies NS names)
EXTERNAL_NS = ("ns1.dns-provider.net", "ns2.dns-provider.net")


def sqlite_database(template: Path, directory: Path) -> Database:
    path = directory / "registry.sqlite3"
    shutil.copy(template, path)
    return Database(make_engine(f"sqlite:///{path}"))


def mariadb_database(migrated_url: str) -> Database:
    """The session's migrated MariaDB database, every table emptied."""
    db = Database(make_engine(migrated_url))
    empty_tables(db.engine)
    return db


def ds_text(ds: DsData) -> str:
    return f"{ds.key_tag} {ds.algorithm} {ds.digest_type} {ds.digest.lower()}"


def ds_value(text: str) -> DsData:
    tag, alg, digest_type, digest = text.split(None, 3)
    return DsData(int(tag), int(alg), int(digest_type), digest.replace(" ", "").upper())


@dataclass
class CoreWorld:
    """One registry, one TLD published into ``pdns``, one registrar."""

    world: World
    pdns: ManagedPowerDns
    tld: str                       # as the core names it: no trailing dot
    registrar: Actor = field(init=False)
    state: CoreState = field(init=False)
    events: RegistryEvents = field(init=False)
    drainer: OutboxDrainer = field(init=False)

    def __post_init__(self) -> None:
        self.world.add_tld(self.tld)
        self.registrar = self.world.add_registrar("alice", balance=10_000_000)
        self.state = CoreState(self.registry)
        self.events = RegistryEvents(self.registry)
        # no delayed re-flushes: nothing queries PowerDNS while a test writes
        self.drainer = OutboxDrainer(self.events, self.state,
                                     lambda: PdnsDb.open(self.pdns.settings), self.pdns.api(),
                                     reflush_delays=())

    @classmethod
    def create(cls, database: Database, pdns: ManagedPowerDns, tld: str,
               apex_ns: tuple[str, ...] | None = None) -> CoreWorld:
        clock = FixedClock(START)
        core = cls(World(Registry(database, clock, SETTINGS), clock), pdns, tld)
        core.configure_dns(apex_ns or (f"ns1.nic.{tld}=192.0.2.53", "ns.example.net"))
        return core

    # -- the core ------------------------------------------------------------------------
    @property
    def registry(self) -> Registry:
        return self.world.registry

    @property
    def clock(self) -> FixedClock:
        return self.world.clock

    @property
    def zone(self) -> str:
        return self.tld + "."

    def configure_dns(self, ns: tuple[str, ...], **kw) -> None:
        settings = dns_settings(self.tld, list(ns), **kw)
        self.world.task(lambda ctx: set_dns_settings(ctx, self.tld, settings))

    def host(self, name: str, *addresses: str, actor: Actor | None = None) -> str:
        self.world.run(HostCreate(name, tuple(HostAddress(a, "v6" if ":" in a else "v4")
                                              for a in addresses)), actor or self.registrar)
        return name

    def external_hosts(self) -> tuple[str, ...]:
        for name in EXTERNAL_NS:
            if not self.exists_host(name):
                self.host(name)
        return EXTERNAL_NS

    def exists_host(self, name: str) -> bool:
        from registry.models import Host
        return self.world.task(lambda ctx: ctx.session.scalar(
            select(Host.id).where(Host.name == name))) is not None

    def domain(self, label: str, ns: tuple[str, ...] = (), ds: tuple[DsData, ...] = (),
               keys: tuple[KeyDataValue, ...] = ()) -> str:
        name = f"{label}.{self.tld}"
        self.world.run(DomainCreate(name, nameservers=ns, authinfo=STRONG, ds_data=ds,
                                    key_data=keys), self.registrar)
        return name

    def update(self, name: str, actor: Actor | None = None, **changes) -> None:
        self.world.run(DomainUpdate(name, **changes), actor or self.registrar)

    def update_host(self, name: str, **changes) -> None:
        self.world.run(HostUpdate(name, **changes), self.registrar)

    def delete(self, name: str) -> int:
        return self.world.run(DomainDelete(name), self.registrar).code

    def restore_request(self, name: str) -> str | None:
        """Returns the state it left: active, or pending_restore if the TLD wants a report."""
        self.world.run(DomainRestoreRequest(name), self.registrar)
        return self.domain_state(name)

    def restore_report(self, name: str) -> None:
        now = self.clock.now()
        self.world.run(DomainRestoreReport(name, "pre", "post", now, now, "mistake",
                                           ("statement",)), self.registrar)

    def advance(self, **kw: float) -> None:
        self.clock.advance(timedelta(**kw))

    def run_lifecycle(self) -> scheduler.Report:
        return scheduler.run_due(self.registry)

    def domain_state(self, name: str) -> str | None:
        return self.world.task(lambda ctx: ctx.session.scalar(
            select(Domain.state).where(Domain.name == name)))

    def pending_outbox(self) -> int:
        """The events zonegen has not acknowledged yet (dead-lettered ones too)."""
        return self.world.task(lambda ctx: len(ctx.session.scalars(
            select(Event.id).where(Event.consumer == "dns")).all()))

    # -- zonegen -------------------------------------------------------------------------
    def drain(self) -> DrainReport:
        report = self.drainer.run_until_idle()
        assert report.errors == [], report.errors
        assert self.pending_outbox() == 0
        return report

    def close(self) -> None:
        self.drainer.close()

    @property
    def denial(self) -> Denial:
        db = PdnsDb.open(self.pdns.settings)
        try:
            info = db.domain(self.zone)
            assert info is not None, f"{self.zone} is not in PowerDNS"
            return info.denial
        finally:
            db.close()

    def probe(self) -> DnsProbe:
        return DnsProbe("127.0.0.1", self.pdns.settings.port)

    def expected(self, name: str) -> Delegation | None:
        """What the core says: the delegation of ``name`` (a domain name, without dot)."""
        return self.state.delegation(self.zone, name + ".")

    def faults(self, name: str, expected: Delegation | str | None = "core") -> list[str]:
        """Live answer for ``name`` vs ``expected`` (default: what the core says)."""
        want = self.expected(name) if expected == "core" else expected
        return check_delegation(self.probe(), self.zone, self.denial, name + ".", want)

    def ksk(self) -> tuple[str, ...]:
        return parent_records(self.pdns.api(), self.zone).dnskey
