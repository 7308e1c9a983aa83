"""Registrars (EPP clients) and their money: balance, credit limit and the ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id, Money


class Registrar(Base):
    __tablename__ = "registrars"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    clid: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="ok")  # ok | suspended
    password_hash: Mapped[str] = mapped_column(String(255))
    allowed_networks: Mapped[list] = mapped_column(default=list)  # CIDRs; empty allows any
    cert_fingerprint: Mapped[str | None] = mapped_column(String(64))
    cert_fingerprint_failover: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    balance: Mapped[int] = mapped_column(Money, default=0)
    credit_limit: Mapped[int] = mapped_column(Money, default=0)
    low_balance_threshold: Mapped[int | None] = mapped_column(Money)
    low_balance_notified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]

    @property
    def available(self) -> int:
        """What the registrar may still spend: balance plus credit."""
        return self.balance + self.credit_limit


class LedgerEntry(Base):
    """One movement of money; ``balance_after`` makes the ledger a running balance."""

    __tablename__ = "ledger"
    __table_args__ = (Index("ix_ledger_registrar", "registrar_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    registrar_id: Mapped[int] = mapped_column(ForeignKey("registrars.id"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))  # create, renew, autorenew, transfer, ...
    amount: Mapped[int] = mapped_column(Money)  # negative debits, positive credits
    balance_after: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    object_name: Mapped[str | None] = mapped_column(String(255))
    svtrid: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
