"""What a batch of read-only commands needs, read in one round trip: the state of every domain
name the batch checks and every caller's poll queue.

A busy EPP server's check traffic is round trips to the database more than anything else, so
Registry.execute_batch asks for both with a single UNION ALL.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, func, literal, null, select, union_all

from .models import Domain, PollMessage
from .values import QueueInfo

# Built once; columns: kind (1 domain, 2 queue), name, next_event_at, registrar, count, first.
_DOMAINS = select(literal(1), Domain.name, Domain.next_event_at, null(), null(), null()).where(
    Domain.name.in_(bindparam("names", expanding=True)))
_QUEUES = select(literal(2), null(), null(), PollMessage.registrar_id, func.count(PollMessage.id),
                 func.min(PollMessage.id)).where(
    PollMessage.registrar_id.in_(bindparam("ids", expanding=True)),
    PollMessage.acked_at.is_(None)).group_by(PollMessage.registrar_id)
_BOTH = union_all(_DOMAINS, _QUEUES)


@dataclass(frozen=True)
class BatchReads:
    domains: dict[str, datetime | None]  # existing names -> when their lifecycle is next due
    queues: dict[int, QueueInfo]

    def anything_due(self, now: datetime) -> bool:
        """True when a checked domain must be settled first (which writes)."""
        return any(due is not None and due <= now for due in self.domains.values())


def load(connection: Connection, names: Collection[str], registrar_ids: Collection[int]
         ) -> BatchReads:
    names, ids = sorted(set(names)), sorted(set(registrar_ids))
    if connection.dialect.name in ("mysql", "mariadb"):
        rows = _mysql_rows(connection, names, ids)
    elif names and ids:
        rows = connection.execute(_BOTH, {"names": names, "ids": ids}).all()
    elif names:
        rows = connection.execute(_DOMAINS, {"names": names}).all()
    elif ids:
        rows = connection.execute(_QUEUES, {"ids": ids}).all()
    else:
        rows = []
    domains = {row[1]: _utc(row[2]) for row in rows if row[0] == 1}
    found = {row[3]: QueueInfo(row[4], row[5]) for row in rows if row[0] == 2}
    return BatchReads(domains, {rid: found.get(rid, QueueInfo(0)) for rid in ids})


def _mysql_rows(connection: Connection, names: list[str], ids: list[int]) -> list[tuple]:
    """The same query straight on the DB-API cursor: on the hottest path of a busy server,
    SQLAlchemy's statement handling costs more than PyMySQL's round trip itself."""
    parts, params = [], []
    if names:
        parts.append("SELECT 1, name, next_event_at, NULL, NULL, NULL FROM domains "
                     f"WHERE name IN ({', '.join(['%s'] * len(names))})")
        params += names
    if ids:
        parts.append("SELECT 2, NULL, NULL, registrar_id, COUNT(id), MIN(id) "
                     f"FROM poll_messages WHERE registrar_id IN ({', '.join(['%s'] * len(ids))})"
                     " AND acked_at IS NULL GROUP BY registrar_id")
        params += ids
    if not parts:
        return []
    cursor = connection.connection.cursor()
    try:
        cursor.execute(" UNION ALL ".join(parts), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _utc(value: datetime | None) -> datetime | None:
    """Raw rows carry naive UTC datetimes; the column type adds the zone elsewhere."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
