"""Registrars (EPP clients) and their money: balance, credit limit and the ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, column_property, mapped_column

from .base import Base, Id, Money, UTCDateTime

registrars = Table(
    "registrars", Base.metadata,
    Column("id", Id, primary_key=True),
    Column("clid", String(16), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("email", String(255), nullable=False, default=""),
    Column("status", String(16), nullable=False, default="ok"),  # ok | suspended
    Column("password_hash", String(255), nullable=False),
    Column("allowed_networks", JSON, nullable=False, default=list),  # CIDRs; empty allows any
    Column("cert_fingerprint", String(64)),
    Column("cert_fingerprint_failover", String(64)),
    Column("currency", String(3), nullable=False, default="USD"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("iana_id", Integer),
    Column("url", String(255), nullable=False, default="", server_default=""),
    Column("abuse_email", String(255), nullable=False, default="", server_default=""),
    Column("abuse_phone", String(32), nullable=False, default="", server_default=""),
    Column("postal", JSON),
    Column("voice", String(32)),
)

# A registrar's money, in a row of its own that no foreign key references. Every row a
# create inserts references ``registrars`` (sponsor, grace period, history, ledger), and
# InnoDB checks a foreign key with a shared lock on the parent row: a debit of that same row
# would have to upgrade the lock, and two creates of one registrar would deadlock. So creates
# take their shared locks on ``registrars`` side by side, and queue only on this row, for
# the debit at the very end of the transaction (registry.billing).
accounts = Table(
    "registrar_accounts", Base.metadata,
    Column("registrar_id", Id, ForeignKey("registrars.id"), primary_key=True,
           autoincrement=False),
    Column("balance", Money, nullable=False, default=0),
    Column("credit_limit", Money, nullable=False, default=0),
    Column("low_balance_threshold", Money),
    Column("low_balance_notified", Boolean, nullable=False, default=False),
)


class Registrar(Base):
    """A registrar and its account, one object over both rows (``accounts`` says why two)."""

    __table__ = registrars.join(accounts)

    id: Mapped[int] = column_property(registrars.c.id, accounts.c.registrar_id)
    clid: Mapped[str]
    name: Mapped[str]
    email: Mapped[str]
    status: Mapped[str]
    password_hash: Mapped[str]
    allowed_networks: Mapped[list]
    cert_fingerprint: Mapped[str | None]
    cert_fingerprint_failover: Mapped[str | None]
    currency: Mapped[str]
    created_at: Mapped[datetime]
    # What RDAP, WHOIS and escrow publish: the IANA Registrar ID (gTLD registrars have one),
    # the registrar's web site and its abuse contact.
    iana_id: Mapped[int | None]
    url: Mapped[str]
    abuse_email: Mapped[str]
    abuse_phone: Mapped[str]
    # its address ({street: [...], city, sp, pc, cc}) and phone: escrow deposits carry them
    postal: Mapped[dict | None]
    voice: Mapped[str | None]
    balance: Mapped[int]
    credit_limit: Mapped[int]
    low_balance_threshold: Mapped[int | None]
    low_balance_notified: Mapped[bool]

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
