"""The fast path: publish one delegation into a large signed TLD without a zone-wide rectify.

For each changed owner name the writer replaces the rows of that name and everything below it
(NS, DS, glue, ENTs under it) with rows carrying the ``auth``/``ordername`` PowerDNS's rectify
would give them, fixes the ENT rows above it, bumps the SOA serial, commits, and then flushes
PowerDNS's caches for the zone (the same flush PowerDNS does itself after an API PATCH).
Writing is idempotent: the same owner written twice with the same data changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from zonegen.model import Delegation, ZoneDataError, ZoneSpec
from zonegen.names import ancestors_between, is_at_or_below, is_below, normalize
from zonegen.pdnsdb import DomainInfo, PdnsDb, PdnsDbError
from zonegen.records import delegation_records
from zonegen.rectify import Row, ent_row, rectify, row_key
from zonegen.serials import SerialCoalescer


@dataclass(frozen=True)
class OwnerChange:
    """What an owner name should be now: a delegation, or nothing (not delegated)."""

    owner: str
    delegation: Delegation | None


@dataclass
class WriteResult:
    zone: str
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    serial: int | None = None


def owner_rows(spec: ZoneSpec, info: DomainInfo, change: OwnerChange) -> list[Row]:
    """The rows the owner's subtree must hold; raises ZoneDataError for bad data."""
    owner = change.owner
    if not is_below(owner, spec.name):
        raise ZoneDataError(f"{owner} is not below the zone {spec.name}")
    for host in spec.in_zone_hosts:
        if is_at_or_below(host, owner):
            raise ZoneDataError(f"{owner} holds the zone's own name server {host}")
    d = change.delegation
    if d is None:
        return []
    if d.name != owner:
        raise ZoneDataError(f"delegation {d.name} given for owner {owner}")
    spec.check(d)
    rows = rectify(spec.name, info.denial, delegation_records(spec, d), ent_root=owner).rows
    return sorted(rows, key=row_key)


class ZoneWriter:
    """Writes owner changes straight into PowerDNS's SQL tables."""

    def __init__(self, db: PdnsDb, flush: Callable[[str], object] | None = None,
                 serials: SerialCoalescer | None = None) -> None:
        """``serials``: when the serial may move (NOTIFY coalescing); None: at each change."""
        self.db = db
        self.flush = flush
        self.serials = serials
        db.ensure_parent_index()

    def domain(self, zone: str) -> DomainInfo:
        info = self.db.domain(zone)
        if info is None:
            raise PdnsDbError(f"zone {zone} does not exist in PowerDNS")
        return info

    def write(self, spec: ZoneSpec, changes: Sequence[OwnerChange]) -> WriteResult:
        """Apply changes for one zone in one transaction; flush the zone's caches if needed."""
        zone = spec.name
        result = WriteResult(zone)
        info = self.domain(zone)
        planned = [(normalize(c.owner), owner_rows(spec, info, c)) for c in changes]
        with self.db.writer_lock(), self.db.transaction():
            for owner, rows in planned:
                if self._replace_subtree(info, owner, rows):
                    result.changed.append(owner)
                else:
                    result.unchanged.append(owner)
            if result.changed and (self.serials is None or self.serials.claim(zone)):
                result.serial = self.db.bump_serial(info.id, zone)
        if result.changed and self.flush is not None:
            self.flush(zone)
        return result

    def write_one(self, spec: ZoneSpec, owner: str, delegation: Delegation | None) -> bool:
        return bool(self.write(spec, [OwnerChange(owner, delegation)]).changed)

    def _replace_subtree(self, info: DomainInfo, owner: str, rows: list[Row]) -> bool:
        old = self.db.subtree_rows(info.id, owner)
        if sorted((r.row for r in old), key=row_key) == rows:
            return False
        owner_db = owner[:-1]
        for r in old:
            if r.row.type == "NS" and r.row.name != owner_db:
                raise ZoneDataError(f"{owner} would replace the delegation {r.row.name}. "
                                    "below it")
        self.db.delete_ids([r.id for r in old])
        self.db.insert_rows(info.id, rows)
        self._fix_ents_above(info, owner)
        return True

    def _fix_ents_above(self, info: DomainInfo, owner: str) -> None:
        """Recompute the empty non-terminals between the owner and the apex, nearest first."""
        for name in ancestors_between(owner, info.name):
            at = self.db.rows_at(info.id, name)
            real = [r for r in at if r.row.type is not None]
            if real:
                if any(r.row.type == "NS" for r in real):
                    raise ZoneDataError(f"{owner} is below the delegation {name}")
                return
            has_children, nsec3, auth = self.db.children_summary(info.id, name)
            want = [ent_row(name, info.denial, auth, nsec3)] if has_children else []
            if [r.row for r in at] == want:
                return
            self.db.delete_ids([r.id for r in at])
            self.db.insert_rows(info.id, want)
