"""Queueing poll messages for registrars and reading the queue's state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from .flows.context import FlowContext
from .models import PollMessage
from .values import QueueInfo


def enqueue(ctx: FlowContext, registrar_id: int, kind: str, message: str, payload: dict,
            at: datetime | None = None) -> PollMessage:
    """Queue a message; ``at`` backdates it to when the event happened (e.g. the old expiry)."""
    msg = PollMessage(registrar_id=registrar_id, created_at=at or ctx.now, kind=kind,
                      message=message, payload=payload)
    ctx.session.add(msg)
    return msg


def unacked(registrar_id: int):
    return select(PollMessage).where(PollMessage.registrar_id == registrar_id,
                                     PollMessage.acked_at.is_(None))


# Built once: every response carries the queue state.
QUEUES = (select(PollMessage.registrar_id, func.count(PollMessage.id), func.min(PollMessage.id))
          .where(PollMessage.registrar_id.in_(bindparam("ids", expanding=True)),
                 PollMessage.acked_at.is_(None))
          .group_by(PollMessage.registrar_id))


def queue_infos(session: Session, registrar_ids: set[int]) -> dict[int, QueueInfo]:
    """The queue state of several registrars in one query."""
    if not registrar_ids:
        return {}
    session.flush()  # Core execution skips autoflush: count the messages this command queued
    rows = session.connection().execute(QUEUES, {"ids": list(registrar_ids)}).all()
    found = {rid: QueueInfo(count, first) for rid, count, first in rows}
    return {rid: found.get(rid, QueueInfo(0)) for rid in registrar_ids}


def queue_info(session: Session, registrar_id: int) -> QueueInfo:
    return queue_infos(session, {registrar_id})[registrar_id]
