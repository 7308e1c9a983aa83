"""The events table as consumers use it: claim due rows, settle what a batch did.

One consumer process per consumer name for now: a claim takes no lock, so two processes of
one name would deliver the same rows twice (harmless, at least once, but wasted). Sharing a
consumer's rows between processes (leases) comes later.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from ..models import Event
from .delivery import Delivery, Failure

if TYPE_CHECKING:
    from ..service import Registry


class EventStore(Protocol):
    """Where a consumer's rows live: the core's ``events`` table (``RegistryEvents``), or a
    stand-in (zonegen's reference state)."""

    def claim(self, consumer: str, now: datetime, limit: int) -> list[Delivery]:
        """The consumer's oldest live rows that are due at ``now``."""

    def settle(self, consumer: str, acked: Sequence[int], failed: Sequence[Failure]) -> None:
        """Delete exactly the acknowledged rows; write the failures back; one transaction."""


def claim(session: Session, consumer: str, now: datetime, limit: int) -> list[Delivery]:
    rows = session.execute(
        select(Event.id, Event.kind, Event.payload, Event.created_at, Event.attempts)
        .where(Event.consumer == consumer, Event.dead_at.is_(None),
               or_(Event.not_before.is_(None), Event.not_before <= now))
        .order_by(Event.id).limit(limit)).all()
    return [Delivery(*row) for row in rows]


def settle(session: Session, consumer: str, acked: Sequence[int],
           failed: Sequence[Failure]) -> None:
    if acked:
        session.execute(delete(Event).where(Event.consumer == consumer,
                                            Event.id.in_(list(acked))))
    for f in failed:
        session.execute(update(Event).where(Event.id == f.id, Event.consumer == consumer)
                        .values(attempts=f.attempts, not_before=f.not_before,
                                last_error=f.error[:2000], dead_at=f.dead_at))


class RegistryEvents:
    """The core's events table for consumers; every transaction through the registry."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def claim(self, consumer: str, now: datetime, limit: int) -> list[Delivery]:
        return self.registry.read(lambda session: claim(session, consumer, now, limit))

    def settle(self, consumer: str, acked: Sequence[int], failed: Sequence[Failure]) -> None:
        if acked or failed:
            self.registry.run(lambda ctx: settle(ctx.session, consumer, acked, failed),
                              command="events_settle")
