"""Leader leases: which node runs each piece of work that must run once per cluster."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Lease(Base):
    """One row per named singleton (registry.leases). ``epoch`` goes up by one at every change
    of holder: the fencing token the holder's work checks in its own transaction. ``fenced``
    counts the transactions committed under the current epoch; each one writes it, because
    Galera certifies writes (a read, even FOR UPDATE, would not conflict across nodes)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    epoch: Mapped[int] = mapped_column(BigInteger)
    acquired_at: Mapped[datetime]
    renewed_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    fenced: Mapped[int] = mapped_column(BigInteger, default=0)
