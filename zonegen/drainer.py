"""The DNS drainer, the core's events consumer "dns": "(zone, owner) changed" -> recompute
that owner -> write it.

Idempotent by construction, which at-least-once delivery needs: an event is acknowledged
only after its owner's current desired state has been written and PowerDNS's cache flushed,
and writing the same state twice is a no-op. After a crash (of this process, of PowerDNS, or
of the database connection) the events are still there and the next pass converges DNS to
what the registry says. An event whose data cannot be published (ZoneDataError) is a failed
delivery: retried with backoff, then dead-lettered for an operator (``pyrar events list
--dead``, ``pyrar events retry`` once the data is fixed). PowerDNS or a database being down
is an outage: the same events wait, nothing is counted.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from registry.clock import Clock
from registry.events.consumer import Consumer, terminate_process
from registry.events.delivery import Batch, RetryPolicy
from registry.events.store import EventStore
from registry.events.wake import Doorbell
from zonegen.api import PowerDnsApi, PowerDnsApiError
from zonegen.model import ZoneDataError, ZoneSpec
from zonegen.names import BadName, ancestors_between, is_at_or_below, is_below, normalize
from zonegen.pdnsdb import PdnsDb, PdnsDbError
from zonegen.serials import SerialCoalescer, bump_due
from zonegen.state import CONSUMER, DesiredState, OutboxEntry, OwnerDelegations
from zonegen.sync import ZoneSync
from zonegen.writer import OwnerChange, ZoneWriter
from zonegen.zones import ensure_zone

log = logging.getLogger("pyrar.zonegen.drainer")


def retryable_errors() -> tuple[type[BaseException], ...]:
    """PowerDNS (API, its database) down: an outage, whatever the events. The registry's
    database being down is the consumer loop's own outage (registry.outage)."""
    errors: list[type[BaseException]] = [PdnsDbError, PowerDnsApiError, sqlite3.Error, OSError]
    try:
        import pymysql

        errors.append(pymysql.MySQLError)
    except ImportError:  # pragma: no cover - PyMySQL is a dependency
        pass
    return tuple(errors)


@dataclass
class DrainReport:
    processed: int = 0
    changed: list[str] = field(default_factory=list)
    synced: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)   # event id -> why (counted)

    def add(self, other: DrainReport) -> None:
        self.processed += other.processed
        self.changed += other.changed
        self.synced += other.synced
        self.errors += other.errors
        self.failed.update(other.failed)


class OutboxDrainer:
    def __init__(self, events: EventStore, state: DesiredState, open_db: Callable[[], PdnsDb],
                 api: PowerDnsApi, *, catalog: str | None = None, batch_size: int = 500,
                 poll_interval: float = 0.1, reflush_delays: tuple[float, ...] = (0.05, 0.5),
                 on_error: Callable[[OutboxEntry | None, str], None] | None = None,
                 retry: RetryPolicy | None = None, clock: Clock | None = None,
                 doorbell: Doorbell | None = None, max_backoff: float = 5.0,
                 on_fatal: Callable[[BaseException], None] = terminate_process,
                 notify_interval: float = 0.0, coalesce: float = 0.0) -> None:
        """``notify_interval``: a zone's serial (what secondaries follow) moves at most once
        per this many seconds (zonegen.serials); 0: at every change. ``coalesce``: under
        load, how long the loop lets events gather before a pass (Consumer)."""
        self.state = state
        self.open_db = open_db
        self.api = api
        self.catalog = catalog
        self.poll_interval = poll_interval
        self.on_error = on_error
        self._db: PdnsDb | None = None
        self._ready: set[str] = set()      # zones checked by ensure_zone in this process
        self._flushed: set[str] = set()    # zones whose cache this process has flushed
        # A query that read the old rows just before the commit can put its answer into
        # PowerDNS's cache just after the flush (seen in about 1% of changes when the name is
        # queried all the time); flushing again a little later removes such an answer.
        self.reflush_delays = reflush_delays
        self._reflush: dict[str, list[float]] = {}
        self._report = DrainReport()
        self.serials = SerialCoalescer(notify_interval) if notify_interval > 0 else None
        self._serials_started = False
        self.consumer = Consumer(
            events, CONSUMER, self._handle, batch_size=batch_size,
            poll_interval=poll_interval, retry=retry, clock=clock, doorbell=doorbell,
            outages=retryable_errors(), tick=self._tick, after_outage=self._after_outage,
            outage_backoff=(poll_interval, max_backoff), on_fatal=on_fatal,
            coalesce=coalesce)

    def wake(self) -> None:
        """Skip the poll wait (a change committed in this process, or stop)."""
        self.consumer.wake()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> PdnsDb:
        if self._db is None:
            self._db = self.open_db()
        return self._db

    # -- one pass ----------------------------------------------------------------------
    def _flush(self, zone: str) -> None:
        self.api.flush_cache(zone)
        self._flushed.add(zone)
        now = time.monotonic()
        if self.reflush_delays:
            self._reflush[zone] = [now + d for d in sorted(self.reflush_delays)]

    def _reflush_due(self) -> None:
        now = time.monotonic()
        for zone, dues in list(self._reflush.items()):
            if dues[0] <= now:
                self.api.flush_cache(zone)
                dues[:] = [d for d in dues if d > now]
                if not dues:
                    del self._reflush[zone]

    def _next_wait(self) -> float:
        waits = [self.poll_interval]
        if self._reflush:
            waits.append(min(d[0] for d in self._reflush.values()) - time.monotonic())
        if self.serials is not None and self.serials.next_due() is not None:
            waits.append(self.serials.next_due())
        return max(0.0, min(waits))

    def _tick(self) -> float:
        self._reflush_due()
        self._bump_due()
        return self._next_wait()

    def _bump_due(self) -> None:
        if self.serials is None:
            return
        if not self._serials_started:
            # a bump still pending when an earlier process stopped is lost with it: every
            # TLD zone gets one now (TLD zones are those with API-RECTIFY off: ensure_zone)
            self.serials.pending_all(normalize(r[0]) for r in self.db.execute(
                "SELECT d.name FROM domains d JOIN domainmetadata m ON m.domain_id = d.id "
                "WHERE m.kind = 'API-RECTIFY' AND m.content = '0'").fetchall())
            self._serials_started = True
        for zone in bump_due(self.db, self.serials, self.api.flush_cache):
            self._flushed.add(zone)

    def _after_outage(self) -> None:
        self.close()
        self._flushed.clear()

    def drain_once(self) -> DrainReport:
        """One pass of the consumer loop (re-flushes due first); what it did."""
        self._report = DrainReport()
        self._reflush_due()
        self._bump_due()
        self.consumer.run_once()
        return self._report

    def _handle(self, batch: Batch) -> None:
        report = self._report
        by_zone: dict[str, list[OutboxEntry]] = {}
        for d in batch.deliveries:
            try:
                entry = OutboxEntry(d.id, normalize(d.payload["zone"]),
                                    normalize(d.payload["owner"]))
            except (KeyError, TypeError, BadName) as e:
                self._fail(batch, OutboxEntry(d.id, "", ""), f"bad dns.changed event: {e!r}")
                continue
            by_zone.setdefault(entry.zone, []).append(entry)
        # desired state is read under the lock: see PdnsDb.writer_lock
        with self.db.writer_lock():
            for zone, group in by_zone.items():
                try:
                    self._drain_zone(zone, group, batch)
                except ZoneDataError as e:  # the zone as a whole: each of its events failed
                    for entry in group:
                        if entry.id not in batch.failed:
                            self._fail(batch, entry, f"{zone}: {e}")
                batch.ack(entry.id for entry in group if entry.id not in batch.failed)
                report.processed += len(group)

    def _error(self, entry: OutboxEntry | None, message: str) -> None:
        self._report.errors.append(message)
        log.error("%s", message)
        if self.on_error is not None:
            self.on_error(entry, message)

    def _fail(self, batch: Batch, entry: OutboxEntry, message: str) -> None:
        """A counted failure of this event: retried later, dead-lettered in the end."""
        self._error(entry, message)
        batch.fail(entry.id, message)
        self._report.failed[entry.id] = message

    def _drain_zone(self, zone: str, group: list[OutboxEntry], batch: Batch) -> None:
        spec = self.state.zone_spec(zone)
        if spec is None:
            # nothing to do: when the TLD gets DNS settings, its own event syncs it whole
            self._error(group[0], f"{zone}: not a zone zonegen publishes; "
                        f"{len(group)} event(s) acknowledged unpublished")
            return
        owners = {e.owner: e for e in group}
        if zone not in self._ready or zone in owners:
            created = ensure_zone(self.api, spec, self.catalog)
            self._ready.add(zone)
            if created or zone in owners:
                self._full_sync(spec)
                return
        # every delegation the owners may need, from one snapshot of the registry
        wanted = self.state.delegations_of(zone, {
            candidate for name in owners if is_below(name, zone)
            for candidate in (name, *ancestors_between(name, zone))})
        changes: dict[str, OwnerChange] = {}
        entry_of: dict[str, OutboxEntry] = {}
        for name, entry in owners.items():
            try:
                change = self._resolve(spec, name, wanted)
            except ZoneDataError as e:
                self._fail(batch, entry, f"{zone} {name}: {e}")
                continue
            if change is not None:
                changes[change.owner] = change
                entry_of[change.owner] = entry
        changed = self._write(spec, list(changes.values()), entry_of, batch)
        if changed or zone not in self._flushed:
            self._flush(zone)

    def _resolve(self, spec: ZoneSpec, name: str, wanted: OwnerDelegations
                 ) -> OwnerChange | None:
        """The delegation whose records include ``name``: the nearest of the name and its
        ancestors that should be delegated (``wanted``, read for the name and its ancestors),
        or is delegated now. A host name thus maps to its superordinate domain (its glue); a
        name in no delegation needs no write."""
        zone = spec.name
        if not is_below(name, zone):
            raise ZoneDataError(f"{name} is not below the zone {zone}")
        info = None
        for candidate in [name, *ancestors_between(name, zone)]:
            if any(is_at_or_below(h, candidate) for h in spec.in_zone_hosts):
                # a domain holding the zone's own name servers cannot be delegated: say so
                # (the registry has it, DNS will not) rather than skip it silently
                held = wanted.get(candidate)
                if held is not None:
                    spec.check(held)
                continue
            delegation = wanted.get(candidate)
            if delegation is not None:
                return OwnerChange(candidate, delegation)
            info = info or self.db.domain(zone)
            if info is not None and any(r.row.type == "NS"
                                        for r in self.db.rows_at(info.id, candidate)):
                return OwnerChange(candidate, None)
        return None

    def _write(self, spec: ZoneSpec, changes: list[OwnerChange],
               owners: dict[str, OutboxEntry], batch: Batch) -> bool:
        writer = ZoneWriter(self.db, serials=self.serials)
        try:
            result = writer.write(spec, changes)
            self._report.changed += result.changed
            return bool(result.changed)
        except ZoneDataError:
            pass
        # one owner's data is unpublishable: write the others one by one
        changed = False
        for change in changes:
            try:
                result = writer.write(spec, [change])
            except ZoneDataError as e:
                self._fail(batch, owners[change.owner], f"{spec.name} {change.owner}: {e}")
                continue
            self._report.changed += result.changed
            changed = changed or bool(result.changed)
        return changed

    def _full_sync(self, spec: ZoneSpec) -> None:
        result = ZoneSync(self.db).sync(
            spec, self.state.delegations(spec.name),
            on_error=lambda d, msg: self._error(None, f"{spec.name} {d.name}: {msg}"))
        self._report.synced.append(spec.name)
        if result.changed or spec.name not in self._flushed:
            self._flush(spec.name)

    # -- loop ----------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        """Drain until ``stop`` is set (the core's consumer loop: outages retried with
        backoff, a bug ends the process through ``on_fatal``)."""
        self.consumer.run(stop)

    def run_until_idle(self, timeout: float = 60.0) -> DrainReport:
        """Drain until nothing is due (tests, ``zone sync`` after bulk changes); events
        backing off after a failure are left for later."""
        total = DrainReport()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.drain_once()
            total.add(r)
            if not r.processed and not self._reflush and not (
                    self.serials is not None and self.serials.next_due() is not None):
                return total
            if not r.processed:
                time.sleep(self._next_wait())
        raise TimeoutError("events not drained in time")
