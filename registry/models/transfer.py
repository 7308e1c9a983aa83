"""Transfer requests for domains and contacts; the newest one per object answers transfer query."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id, Money

# RFC 5730 trStatus of a request awaiting action; the final ones are written where they happen
PENDING = "pending"


class Transfer(Base):
    __tablename__ = "transfers"
    __table_args__ = (
        Index("ix_transfers_object", "object_type", "object_id", "id"),
        Index("ix_transfers_due", "status", "action_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    object_type: Mapped[str] = mapped_column(String(8))  # domain | contact
    object_id: Mapped[int]
    object_name: Mapped[str] = mapped_column(String(253))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    gaining_id: Mapped[int] = mapped_column(ForeignKey("registrars.id"))
    losing_id: Mapped[int] = mapped_column(ForeignKey("registrars.id"))
    requested_at: Mapped[datetime]
    action_at: Mapped[datetime]  # the auto-approve deadline while pending, then when it ended
    period_years: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime | None]  # the domain's expiry if (when) the transfer completes
    amount: Mapped[int] = mapped_column(Money, default=0)  # charged to the gaining registrar
