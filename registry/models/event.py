"""Events waiting for their consumers; written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id


class Event(Base):
    """One delivery: an event of ``kind`` for one named consumer (one row per consumer, so each
    acknowledges on its own by deleting its row). ``not_before`` holds a failed row back
    (exponential backoff); ``dead_at`` set means dead-lettered: only an operator's retry
    brings it back."""

    __tablename__ = "events"
    # The claim: one consumer's live rows, oldest first. dead_at in the key keeps the dead
    # rows out of that scan however many pile up (bench/events_claim.py).
    __table_args__ = (Index("ix_events_claim", "consumer", "dead_at", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    consumer: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict]
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    dead_at: Mapped[datetime | None]
