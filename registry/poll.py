"""Queueing poll messages for registrars and reading the queue's state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import batch_reads
from .flows.context import FlowContext
from .models import PollMessage
from .values import QueueInfo


def enqueue(ctx: FlowContext, registrar_id: int, kind: str, message: str, payload: dict,
            at: datetime | None = None) -> PollMessage:
    """Queue a message; ``at`` backdates it to when the event happened (e.g. the old expiry)."""
    msg = PollMessage(registrar_id=registrar_id, created_at=at or ctx.now, kind=kind,
                      message=message, payload=payload)
    ctx.session.add(msg)
    ctx.prefetched.pop("queues", None)  # read before this message (lookup.registered_names)
    return msg


def unacked(registrar_id: int):
    return select(PollMessage).where(PollMessage.registrar_id == registrar_id,
                                     PollMessage.acked_at.is_(None))


def queue_infos(session: Session, registrar_ids: set[int]) -> dict[int, QueueInfo]:
    """The queue state of several registrars in one query."""
    session.flush()  # Core execution skips autoflush: count the messages this command queued
    return batch_reads.load(session.connection(), (), registrar_ids).queues


def queue_info(session: Session, registrar_id: int) -> QueueInfo:
    return queue_infos(session, {registrar_id})[registrar_id]
