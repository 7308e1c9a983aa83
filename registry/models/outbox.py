"""DNS changes waiting for zonegen; written in the same transaction as the data they describe."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id


class DnsChange(Base):
    """"The records at ``owner`` in ``zone`` may have changed": zonegen recomputes and publishes."""

    __tablename__ = "dns_outbox"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    zone: Mapped[str] = mapped_column(String(253))
    owner: Mapped[str] = mapped_column(String(253))
    created_at: Mapped[datetime]
