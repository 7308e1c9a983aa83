"""The per-registrar poll queue (RFC 5730 section 2.9.2.3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id


class PollMessage(Base):
    __tablename__ = "poll_messages"
    __table_args__ = (Index("ix_poll_queue", "registrar_id", "acked_at", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    registrar_id: Mapped[int] = mapped_column(ForeignKey("registrars.id"))
    created_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))  # e.g. transfer_requested, autorenew
    message: Mapped[str] = mapped_column(Text)
    # What eppd needs to render resData/extensions, e.g. {"domain": {...}, "transfer": {...}}
    payload: Mapped[dict] = mapped_column(default=dict)
    acked_at: Mapped[datetime | None]
