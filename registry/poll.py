"""Queueing poll messages for registrars and reading the queue's state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
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


def queue_infos(session: Session, registrar_ids: set[int]) -> dict[int, QueueInfo]:
    """The queue state of several registrars in one query."""
    rows = session.execute(
        select(PollMessage.registrar_id, func.count(PollMessage.id), func.min(PollMessage.id))
        .where(PollMessage.registrar_id.in_(registrar_ids), PollMessage.acked_at.is_(None))
        .group_by(PollMessage.registrar_id)).all()
    found = {rid: QueueInfo(count, first) for rid, count, first in rows}
    return {rid: found.get(rid, QueueInfo(0)) for rid in registrar_ids}


def queue_info(session: Session, registrar_id: int) -> QueueInfo:
    count, first = session.execute(
        select(func.count(PollMessage.id), func.min(PollMessage.id)).where(
            PollMessage.registrar_id == registrar_id, PollMessage.acked_at.is_(None))).one()
    return QueueInfo(count, first)
