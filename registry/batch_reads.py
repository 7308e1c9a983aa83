"""What a batch of read-only commands needs, read in one round trip: the state of every domain
name the batch checks and every caller's poll queue.

A busy EPP server's check traffic is round trips to the database more than anything else, so
Registry.execute_batch asks for both with a single UNION ALL.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, func, select, union_all

from .driver_statements import run_on_cursor
from .models import Domain, PollMessage
from .values import QueueInfo

# Built once. Four columns, as few as the answer allows (a client parses each column's
# description on every query): a domain row is (name, due, NULL, NULL), where due says the
# name's lifecycle has events to settle; a queue row is (NULL, registrar id, count, first id).
_DOMAINS = select(Domain.name, Domain.next_event_at <= bindparam("now"), None, None).where(
    Domain.name.in_(bindparam("names", expanding=True)))
_QUEUES = select(None, PollMessage.registrar_id, func.count(PollMessage.id),
                 func.min(PollMessage.id)).where(
    PollMessage.registrar_id.in_(bindparam("ids", expanding=True)),
    PollMessage.acked_at.is_(None)).group_by(PollMessage.registrar_id)
_BOTH = union_all(_DOMAINS, _QUEUES)


@dataclass(frozen=True)
class BatchReads:
    domains: dict[str, bool]  # existing names -> whether their lifecycle must be settled now
    queues: dict[int, QueueInfo]

    def anything_due(self) -> bool:
        """True when a checked domain must be settled first (which writes)."""
        return any(self.domains.values())


def load(connection: Connection, names: Collection[str], registrar_ids: Collection[int],
         now: datetime | None = None) -> BatchReads:
    """``now`` (needed with names) decides which names are due."""
    names, ids = sorted(set(names)), sorted(set(registrar_ids))
    if connection.dialect.name in ("mysql", "mariadb"):
        rows = _mysql_rows(connection, names, ids, now)
    elif names and ids:
        rows = connection.execute(_BOTH, {"names": names, "ids": ids, "now": now}).all()
    elif names:
        rows = connection.execute(_DOMAINS, {"names": names, "now": now}).all()
    elif ids:
        rows = connection.execute(_QUEUES, {"ids": ids}).all()
    else:
        rows = []
    domains = {row[0]: bool(row[1]) for row in rows if row[0] is not None}
    found = {row[1]: QueueInfo(row[2], row[3]) for row in rows if row[0] is None}
    return BatchReads(domains, {rid: found.get(rid, QueueInfo(0)) for rid in ids})


def _mysql_rows(connection: Connection, names: list[str], ids: list[int],
                now: datetime | None) -> list[tuple]:
    """The same query straight on the DB-API cursor: on the hottest path of a busy server,
    SQLAlchemy's statement handling costs more than PyMySQL's round trip itself."""
    parts, params = [], []
    if names:
        parts.append("SELECT name, next_event_at <= %s, NULL, NULL FROM domains "
                     f"WHERE name IN ({', '.join(['%s'] * len(names))})")
        # The raw driver gets the column's stored form: naive UTC.
        params += [now.astimezone(UTC).replace(tzinfo=None) if now else None, *names]
    if ids:
        parts.append("SELECT NULL, registrar_id, COUNT(id), MIN(id) "
                     f"FROM poll_messages WHERE registrar_id IN ({', '.join(['%s'] * len(ids))})"
                     " AND acked_at IS NULL GROUP BY registrar_id")
        params += ids
    if not parts:
        return []
    return run_on_cursor(connection, " UNION ALL ".join(parts), params, want="rows")
