"""Operating the events outbox: list rows (the dead letters above all), replay them, and
count each consumer's backlog. Run through ``Registry.run`` like every operator task."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select, update

from ..errors import ObjectDoesNotExist, ParameterRangeError, ParameterSyntaxError
from ..events.routes import known_consumers
from ..flows.context import FlowContext
from ..models import Event

MAX_LIST = 10_000


@dataclass(frozen=True)
class EventRow:
    id: int
    consumer: str
    kind: str
    payload: dict
    created_at: datetime
    attempts: int
    not_before: datetime | None
    last_error: str | None
    dead_at: datetime | None


@dataclass(frozen=True)
class ConsumerStats:
    consumer: str
    live: int            # not dead: due now or backing off
    due: int
    backing_off: int
    dead: int
    oldest: datetime | None   # the oldest live row's creation


def check_consumer(consumer: str | None) -> str | None:
    if consumer is not None and consumer not in known_consumers():
        raise ParameterSyntaxError(f"unknown consumer {consumer!r}; known: "
                                   f"{', '.join(known_consumers())}")
    return consumer


def list_events(ctx: FlowContext, *, consumer: str | None = None, dead: bool = False,
                limit: int = 50) -> list[EventRow]:
    """Oldest first; ``dead``: only the dead-lettered rows."""
    if not 1 <= limit <= MAX_LIST:
        raise ParameterRangeError(f"limit must be between 1 and {MAX_LIST}")
    stmt = select(Event).order_by(Event.id).limit(limit)
    if check_consumer(consumer) is not None:
        stmt = stmt.where(Event.consumer == consumer)
    if dead:
        stmt = stmt.where(Event.dead_at.is_not(None))
    return [EventRow(e.id, e.consumer, e.kind, e.payload, e.created_at, e.attempts,
                     e.not_before, e.last_error, e.dead_at)
            for e in ctx.session.scalars(stmt)]


def retry_events(ctx: FlowContext, ids: Sequence[int]) -> int:
    """These rows (dead or backing off) become due now with their attempts reset; every id
    must exist, or nothing changes."""
    wanted = set(ids)
    if not wanted:
        raise ParameterSyntaxError("no event ids given")
    found = dict(ctx.session.execute(
        select(Event.id, Event.consumer).where(Event.id.in_(wanted)).with_for_update()).all())
    missing = sorted(wanted - set(found))
    if missing:
        raise ObjectDoesNotExist(f"event {missing[0]} does not exist", value=str(missing[0]))
    _make_due(ctx, Event.id.in_(wanted))
    ctx.wake.update(found.values())
    return len(wanted)


def retry_dead(ctx: FlowContext, consumer: str | None = None) -> int:
    """Every dead-lettered row (of one consumer) becomes due now, attempts reset."""
    condition = Event.dead_at.is_not(None)
    if check_consumer(consumer) is not None:
        condition = condition & (Event.consumer == consumer)
    consumers = set(ctx.session.scalars(select(Event.consumer).where(condition).distinct()))
    count = _make_due(ctx, condition)
    ctx.wake.update(consumers)
    return count


def _make_due(ctx: FlowContext, condition) -> int:
    result = ctx.session.execute(update(Event).where(condition).values(
        attempts=0, not_before=None, dead_at=None))
    return result.rowcount


def event_stats(ctx: FlowContext) -> list[ConsumerStats]:
    """Every known consumer, and any other that still has rows."""
    now = ctx.now
    live = Event.dead_at.is_(None)
    due = live & or_(Event.not_before.is_(None), Event.not_before <= now)
    rows = ctx.session.execute(
        select(Event.consumer,
               func.sum(_count(live)), func.sum(_count(due)),
               func.sum(_count(Event.dead_at.is_not(None))),
               func.min(_when(live, Event.created_at)))
        .group_by(Event.consumer)).all()
    found = {r[0]: r for r in rows}
    out = []
    for consumer in sorted(set(known_consumers()) | set(found)):
        _, n_live, n_due, n_dead, oldest = found.get(consumer, (consumer, 0, 0, 0, None))
        n_live, n_due, n_dead = int(n_live or 0), int(n_due or 0), int(n_dead or 0)
        out.append(ConsumerStats(consumer, n_live, n_due, n_live - n_due, n_dead,
                                 oldest))
    return out


def _count(condition):
    return case((condition, 1), else_=0)


def _when(condition, column):
    return case((condition, column), else_=None)
