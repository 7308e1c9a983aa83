"""zonegen as ``pyrar serve`` runs it: PowerDNS (if managed, restarted when it dies), the
catalog zone, the drainer thread (the core's events consumer "dns"), and the hosted-zone
scheduler (pending unsigns).

No thread ends quietly: an outage (PowerDNS, its database, the registry's database) is
retried with backoff, logged when it starts and when it ends; any other exception stops the
service and calls ``on_fatal``, so that ``zone serve`` exits non-zero and its supervisor
(``pyrar serve``) starts it again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from registry.clock import Clock
from registry.events.consumer import Consumer
from registry.events.delivery import RetryPolicy
from registry.events.store import EventStore
from registry.events.wake import Doorbell
from registry.outage import DATABASE_OUTAGES, Outage
from registry.query_counts import QueryCounter
from zonegen.api import PowerDnsApiError
from zonegen.catalog import ensure_catalog
from zonegen.cds_run import CdsRun
from zonegen.config import PowerDnsSettings
from zonegen.connection import PowerDnsConnection
from zonegen.dns_stats import DnsQueryStats
from zonegen.drainer import OutboxDrainer
from zonegen.hosted import HostedZones
from zonegen.hosted_apply import HostedApply
from zonegen.hosted_signing import HostedSigning
from zonegen.pdnsdb import PdnsDbError
from zonegen.probe import ProbeError
from zonegen.served import OurServers, parent_in
from zonegen.server import ManagedPowerDns, PowerDnsStartError
from zonegen.state import DesiredState, OutboxEntry

if TYPE_CHECKING:
    from registry.service import Registry

log = logging.getLogger("pyrar.zonegen.service")

HOSTED_CONSUMER = "hosted"
STATS_TIMEOUT = 5.0


# the scheduler's outages: it tries again at its next round at the latest
SCHEDULER_OUTAGES = (PowerDnsApiError, PdnsDbError, ProbeError, OSError, *DATABASE_OUTAGES)


class ZonegenService:
    def __init__(self, settings: PowerDnsSettings, base_dir: Path | None,
                 state: DesiredState, events: EventStore, *,
                 on_error: Callable[[OutboxEntry | None, str], None] | None = None,
                 servers: OurServers | None = None,
                 schedule_interval: float = 60.0, clock: Callable[[], float] = time.time,
                 watch_interval: float = 0.5, registry: Registry | None = None,
                 doorbell: Doorbell | None = None, retry: RetryPolicy | None = None,
                 event_clock: Clock | None = None,
                 on_fatal: Callable[[], None] | None = None) -> None:
        """``doorbell``: where the drainer waits for wake-ups (the registry's, to be woken
        across processes); ``on_fatal``: called once a thread met an unexpected error (the
        service has stopped its threads by then; ``failure`` says what happened)."""
        self.settings = settings
        self.conn = PowerDnsConnection(settings, base_dir)
        self.server: ManagedPowerDns | None = None
        self.on_fatal = on_fatal
        self.failure: str | None = None
        self.drainer = OutboxDrainer(
            events, state, self.conn.open_db, self.conn.api,
            catalog=settings.catalog_zone or None, batch_size=settings.batch_size,
            poll_interval=settings.poll_interval, on_error=on_error, retry=retry,
            clock=event_clock, doorbell=doorbell, notify_interval=settings.notify_interval,
            coalesce=settings.coalesce,
            on_fatal=lambda e: self._fatal("zonegen-drainer", e))
        self.hosted = HostedZones(self.conn.api, settings.catalog_zone or None, clock,
                                  settings.hosted_hold_down)
        # DNSSEC steps of hosted zones wait on the primary and every secondary
        self.servers = servers or OurServers.from_settings(settings, parent_in(
            lambda z: self.conn.api.zone(z, rrsets=False) is not None))
        # with the core and the hosting name servers, hosted zones' DS go through the core
        self.signing = (HostedSigning(self.hosted, registry, settings.hosted_nameservers,
                                      self.servers)
                        if registry is not None and settings.hosted_nameservers else None)
        # the registrar site's hosted zones (events "hosted"), with the same signing
        self.hosted_apply = (HostedApply(self.hosted, self.signing, registry)
                             if self.signing is not None and registry is not None else None)
        self.hosted_consumer = (Consumer(
            events, HOSTED_CONSUMER, self.hosted_apply.handle, clock=registry.clock,
            retry=retry, doorbell=registry.wakeup.doorbell(HOSTED_CONSUMER),
            outages=(PowerDnsApiError,), on_fatal=lambda e: self._fatal("zonegen-hosted", e))
            if self.hosted_apply is not None and registry is not None else None)
        self.clock = clock
        self.cds = (CdsRun(settings, state, registry, clock)
                    if registry is not None and settings.cds_interval > 0 else None)
        self._cds_last = float("-inf")
        self.schedule_interval = schedule_interval
        self.watch_interval = watch_interval
        self.registry = registry
        self.dns_stats: DnsQueryStats | None = None
        self._stats_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        if self.settings.mode == "managed":
            self.server = ManagedPowerDns(self.settings, self.conn.base_dir)
            self.server.start()
        if self.settings.catalog_zone:
            ensure_catalog(self.conn.api, self.settings.catalog_zone)
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self.drainer.run, args=(self._stop,),
                             name="zonegen-drainer", daemon=True),
            self._guarded("zonegen-scheduler", self._scheduler),
        ]
        if self.server is not None:
            # the server is this thread's child (see server._die_with_parent): restarts
            # happen here, and the thread lives as long as the service
            self._threads.append(self._guarded("zonegen-powerdns", self._watch_server))
            if self.registry is not None and self.settings.query_stats_interval > 0:
                # the server was started by us just now: all it counts is ours
                api = self.server.api()
                api.timeout = STATS_TIMEOUT  # a hung server holds up no stop for long
                self.dns_stats = DnsQueryStats(api, QueryCounter(self.registry.clock),
                                               from_zero=True)
                self._threads.append(self._guarded("zonegen-dns-stats", self._count_queries))
        if self.hosted_consumer is not None:
            self._threads.append(threading.Thread(
                target=self.hosted_consumer.run, args=(self._stop,), name="zonegen-hosted",
                daemon=True))
        for t in self._threads:
            t.start()

    def _guarded(self, name: str, target: Callable[[], None]) -> threading.Thread:
        def run() -> None:
            try:
                target()
            except Exception as e:
                log.critical("%s stopped by an unexpected error", name, exc_info=True)
                self._fatal(name, e)
        return threading.Thread(target=run, name=name, daemon=True)

    def _fatal(self, thread: str, error: BaseException) -> None:
        """A thread met a bug: stop them all and tell the owner, once."""
        if self.failure is None:
            self.failure = f"{thread}: {type(error).__name__}: {error}"
        self._stop.set()
        self.drainer.wake()
        if self.on_fatal is not None:
            self.on_fatal()

    def wake(self) -> None:
        """For the core, after committing a change: publish now rather than at the next poll."""
        self.drainer.wake()

    def scan_cds_if_due(self) -> None:
        """The CDS/CDNSKEY scan every ``cds_interval`` seconds (with the core only)."""
        if self.cds is None or self.clock() - self._cds_last < self.settings.cds_interval:
            return
        self._cds_last = self.clock()
        for report in self.cds.scan_all():
            for refusal in report.refusals:
                log.info("CDS of %s not applied: %s", refusal.domain, refusal.reason)
            log.info("CDS scan of %s: %d change(s), %d refused", report.zone,
                     len(report.changes), len(report.refusals))

    def run_scheduled_once(self) -> list[str]:
        """Hosted zones: DS reconciled with the core (if wired), pending unsigns advanced;
        returns the zones whose keys were removed."""
        if self.signing is None:
            return self.hosted.run_scheduled(self.servers.ds_visible)
        self.signing.reconcile()
        removed = self.signing.run_scheduled()
        if self.hosted_apply is not None:
            self.hosted_apply.report_transitions()
        return removed

    def _scheduler(self) -> None:
        """Every schedule_interval; after a failed round, sooner (backoff), up to then."""
        outage = Outage(log, "hosted-zone scheduler", first=min(1.0, self.schedule_interval),
                        most=self.schedule_interval)
        wait = self.schedule_interval
        while not self._stop.wait(wait):
            try:
                self.run_scheduled_once()
                self.scan_cds_if_due()
            except SCHEDULER_OUTAGES as e:
                wait = outage.failed(e)
                continue
            outage.recovered()
            wait = self.schedule_interval

    def _count_queries(self) -> None:
        """The server's query counters into the registry's query counts, every interval."""
        while not self._stop.wait(self.settings.query_stats_interval):
            self.record_query_stats()

    def record_query_stats(self) -> None:
        """One poll of the counters and one write of what they grew by (each failure
        logged; the counts wait for the next write)."""
        stats = self.dns_stats
        if stats is not None and self.registry is not None:
            with self._stats_lock:  # the thread's poll and stop's last one
                stats.poll_quietly()
                stats.counter.flush_quietly(self.registry)

    def _watch_server(self) -> None:
        """A managed PowerDNS that died is started again: nothing else would (the drainer
        only retries), and DNS would stay down until someone restarted zonegen."""
        outage = Outage(log, "managed PowerDNS", first=self.watch_interval, most=30.0)
        backoff = self.watch_interval
        while not self._stop.wait(backoff):
            server = self.server
            if server is None or server.running:
                backoff = self.watch_interval
                continue
            if not outage.active:
                code = server.process.returncode if server.process else None
                log.error("managed PowerDNS exited (status %s); starting it again", code)
            try:
                server.start()
            except (PowerDnsStartError, OSError) as e:
                backoff = outage.failed(e)
                continue
            outage.recovered()
            self.drainer.wake()
            backoff = self.watch_interval

    def stop(self) -> None:
        # what the server counted since the last poll, while it still runs: a server the
        # watch thread started again dies with that thread (its parent)
        self.record_query_stats()
        self._stop.set()
        self.drainer.wake()
        if self.hosted_consumer is not None:
            self.hosted_consumer.wake()
        for t in self._threads:
            t.join(10)
        self._threads = []
        self.drainer.close()
        self.dns_stats = None
        if self.server is not None:
            self.server.stop()
            self.server = None
