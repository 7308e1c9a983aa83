"""The audit trail: who changed which object, when, by which command, and what it looked like."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id


class HistoryEntry(Base):
    __tablename__ = "history"
    __table_args__ = (Index("ix_history_object", "object_type", "object_name", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime]
    object_type: Mapped[str] = mapped_column(String(16))  # domain | host | contact | registrar
    object_id: Mapped[int]
    object_name: Mapped[str] = mapped_column(String(253))
    command: Mapped[str] = mapped_column(String(32))  # e.g. domain_create, autorenew, purge
    actor: Mapped[str] = mapped_column(String(64))  # a clid, "operator:<name>" or "system"
    registrar_id: Mapped[int | None] = mapped_column(ForeignKey("registrars.id"))
    cltrid: Mapped[str | None] = mapped_column(String(64))
    svtrid: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[dict] = mapped_column(default=dict)  # the object after the change
