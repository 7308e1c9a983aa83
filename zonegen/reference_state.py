"""A minimal stand-in for the registry core: desired delegations plus the DNS events in SQLite.

It implements ``state.DesiredState`` and the core's ``registry.events.store.EventStore`` (for
the consumer "dns" only) the way the core must: every change and its event row are committed
in one transaction. zonegen's own tests and benchmarks use it; it is also the executable
description of that contract.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from registry.events.delivery import Delivery, Failure
from zonegen.model import Delegation, DsRecord, ZoneDataError, ZoneSpec
from zonegen.names import normalize
from zonegen.state import CONSUMER, DNS_CHANGED, OwnerDelegations

log = logging.getLogger("pyrar.zonegen.reference_state")

SCHEMA = """
CREATE TABLE IF NOT EXISTS zone (name TEXT PRIMARY KEY, spec TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS delegation (
    name TEXT PRIMARY KEY, zone TEXT NOT NULL, nameservers TEXT NOT NULL,
    glue TEXT NOT NULL, ds TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS delegation_zone ON delegation (zone, name);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, zone TEXT NOT NULL, owner TEXT NOT NULL,
    created REAL NOT NULL DEFAULT ((julianday('now') - 2440587.5) * 86400.0),
    attempts INTEGER NOT NULL DEFAULT 0, not_before REAL, last_error TEXT, dead_at REAL);
"""


def spec_to_json(spec: ZoneSpec) -> str:
    return json.dumps(spec.to_dict())


def spec_from_json(name: str, text: str) -> ZoneSpec:
    return ZoneSpec.from_dict(name, json.loads(text))


def _row_to_delegation(row: Sequence) -> Delegation:
    name, ns, glue, ds = row
    return Delegation(name, tuple(json.loads(ns)),
                      tuple((h, tuple(a)) for h, a in json.loads(glue)),
                      tuple(DsRecord.from_text(d) for d in json.loads(ds)))


class ReferenceState:
    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(SCHEMA)

    @property
    def conn(self) -> sqlite3.Connection:
        """One connection per thread, like the sessions of a real core."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30,
                                   check_same_thread=False)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    # -- core-side writes: data change + outbox row in one transaction ----------------------
    def put_zone(self, spec: ZoneSpec) -> None:
        with self._tx():
            self.conn.execute("INSERT OR REPLACE INTO zone VALUES (?, ?)",
                              (spec.name, spec_to_json(spec)))
            self.publish(spec.name, spec.name)

    def put(self, zone: str, d: Delegation) -> None:
        with self._tx():
            self.conn.execute(
                "INSERT OR REPLACE INTO delegation VALUES (?, ?, ?, ?, ?)",
                (d.name, normalize(zone), json.dumps(d.nameservers),
                 json.dumps([[h, list(a)] for h, a in d.glue]),
                 json.dumps([x.content for x in d.ds])))
            self.publish(zone, d.name)

    def remove(self, zone: str, name: str) -> None:
        with self._tx():
            self.conn.execute("DELETE FROM delegation WHERE name = ?", (normalize(name),))
            self.publish(zone, name)

    def bulk_load(self, zone: str, delegations: Iterable[Delegation], chunk: int = 10000
                  ) -> int:
        """Load without outbox rows (a full sync publishes them); returns the count."""
        zone = normalize(zone)
        n = 0
        batch: list[tuple] = []
        with self._tx():
            for d in delegations:
                batch.append((d.name, zone, json.dumps(d.nameservers),
                              json.dumps([[h, list(a)] for h, a in d.glue]),
                              json.dumps([x.content for x in d.ds])))
                if len(batch) >= chunk:
                    self.conn.executemany("INSERT OR REPLACE INTO delegation VALUES "
                                          "(?, ?, ?, ?, ?)", batch)
                    n += len(batch)
                    batch = []
            self.conn.executemany("INSERT OR REPLACE INTO delegation VALUES (?, ?, ?, ?, ?)",
                                  batch)
            n += len(batch)
        return n

    def publish(self, zone: str, owner: str) -> None:
        """An outbox row alone (the core does this for host changes, for instance)."""
        self.conn.execute("INSERT INTO outbox (zone, owner) VALUES (?, ?)",
                          (normalize(zone), normalize(owner)))

    def _tx(self) -> _Transaction:
        return _Transaction(self.conn)

    # -- DesiredState --------------------------------------------------------------------
    def zone_spec(self, zone: str) -> ZoneSpec | None:
        row = self.conn.execute("SELECT name, spec FROM zone WHERE name = ?",
                                (normalize(zone),)).fetchone()
        return spec_from_json(row[0], row[1]) if row else None

    def delegation(self, zone: str, owner: str) -> Delegation | None:
        name = normalize(owner)
        return self.delegations_of(zone, [name]).get(name)

    def delegations_of(self, zone: str, owners: Collection[str]) -> OwnerDelegations:
        names = sorted({normalize(o) for o in owners})
        found: dict[str, Delegation] = {}
        unpublishable: dict[str, str] = {}
        if names:
            # one statement, so one snapshot, as the core's
            rows = self.conn.execute(
                "SELECT name, nameservers, glue, ds FROM delegation WHERE zone = ? AND name "
                f"IN ({','.join('?' * len(names))})", (normalize(zone), *names)).fetchall()
            for row in rows:
                try:
                    found[row[0]] = _row_to_delegation(row)
                except ZoneDataError as e:
                    unpublishable[row[0]] = str(e)
        return OwnerDelegations(found, unpublishable)

    def delegations(self, zone: str) -> Iterator[Delegation]:
        # a separate connection, so that a streaming read does not pin this one
        conn = sqlite3.connect(self.path)
        try:
            cur = conn.execute("SELECT name, nameservers, glue, ds FROM delegation "
                               "WHERE zone = ? ORDER BY name", (normalize(zone),))
            for row in cur:
                try:
                    yield _row_to_delegation(row)
                except ZoneDataError as e:
                    # the contract: stream only publishable delegations, report the rest
                    log.error("%s: not published: %s", row[0], e)
        finally:
            conn.close()

    # -- EventStore (consumer "dns") ----------------------------------------------------
    def claim(self, consumer: str, now: datetime, limit: int) -> list[Delivery]:
        if consumer != CONSUMER:
            return []
        rows = self.conn.execute(
            "SELECT id, zone, owner, created, attempts FROM outbox WHERE dead_at IS NULL "
            "AND (not_before IS NULL OR not_before <= ?) ORDER BY id LIMIT ?",
            (now.timestamp(), limit)).fetchall()
        return [Delivery(i, DNS_CHANGED, {"zone": zone, "owner": owner},
                         datetime.fromtimestamp(created, UTC), attempts)
                for i, zone, owner, created, attempts in rows]

    def settle(self, consumer: str, acked: Sequence[int], failed: Sequence[Failure]) -> None:
        with self._tx():
            self.conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in acked])
            self.conn.executemany(
                "UPDATE outbox SET attempts = ?, not_before = ?, last_error = ?, dead_at = ? "
                "WHERE id = ?",
                [(f.attempts, f.not_before.timestamp() if f.not_before else None, f.error,
                  f.dead_at.timestamp() if f.dead_at else None, f.id) for f in failed])

    def pending_count(self) -> int:
        """Live events (due or backing off), not the dead-lettered."""
        return self.conn.execute("SELECT count(*) FROM outbox WHERE dead_at IS NULL"
                                 ).fetchone()[0]

    def failures(self) -> list[tuple[str, int, str, bool]]:
        """(owner, attempts, last error, dead) of every event that failed."""
        return [(owner, attempts, error, dead is not None) for owner, attempts, error, dead
                in self.conn.execute("SELECT owner, attempts, last_error, dead_at FROM outbox "
                                     "WHERE attempts > 0 ORDER BY id")]


class _Transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
