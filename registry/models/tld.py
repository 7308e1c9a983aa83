"""A TLD and its policy: label rules, periods, grace lengths, prices, premium and reserved names."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Id, Money

OPERATIONS = ("create", "renew", "transfer", "restore")
# What contact data a TLD's domains carry (RST's general.registryDataModel):
# "optional": contacts accepted, none required (the default; the registrar site sends a
#   registrant), none published under the gTLD RDDS profile;
# "minimum": ICANN's minimum data set, the registry holds no contact data: a registrant or
#   contact on create or update is refused with 2306 (RST epp-14 "minimum");
# "thick": a registrant, an admin and a tech contact are required (RST "maximum").
DATA_MODELS = ("optional", "minimum", "thick")
# What RDAP and WHOIS follow: ICANN's gTLD profile (its notices, conformance values and the
# Registration Data Policy's redaction) or a ccTLD's own (contacts shown as their disclose
# flags allow).
RDDS_PROFILES = ("gtld", "cctld")


class Tld(Base):
    __tablename__ = "tlds"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)  # A-label, no dots
    created_at: Mapped[datetime]

    # Label rules
    idn_allowed: Mapped[bool] = mapped_column(default=True)
    emoji_allowed: Mapped[bool] = mapped_column(default=False)
    # An IDN-only TLD takes IDN labels alone: an all-ASCII label is refused (RST idn-02).
    idn_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    min_period: Mapped[int] = mapped_column(default=1)
    max_period: Mapped[int] = mapped_column(default=10)

    # Grace and pending lengths, in days (RFC 3915 / Nomulus defaults)
    add_grace_days: Mapped[int] = mapped_column(default=5)
    renew_grace_days: Mapped[int] = mapped_column(default=5)
    autorenew_grace_days: Mapped[int] = mapped_column(default=45)
    transfer_grace_days: Mapped[int] = mapped_column(default=5)
    redemption_days: Mapped[int] = mapped_column(default=30)
    pending_restore_days: Mapped[int] = mapped_column(default=7)
    pending_delete_days: Mapped[int] = mapped_column(default=5)
    transfer_pending_days: Mapped[int] = mapped_column(default=5)

    # Data and command policy
    data_model: Mapped[str] = mapped_column(String(16), default="optional")
    restore_report_required: Mapped[bool] = mapped_column(default=True)
    premium_requires_fee: Mapped[bool] = mapped_column(default=True)
    authinfo_min_bits: Mapped[int] = mapped_column(default=128)
    max_nameservers: Mapped[int] = mapped_column(default=13)
    max_dnssec_records: Mapped[int] = mapped_column(default=8)
    max_sig_life_allowed: Mapped[bool] = mapped_column(default=False)

    # Registration data services
    rdds_profile: Mapped[str] = mapped_column(String(8), default="gtld", server_default="gtld")
    whois_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())

    # DNS publication settings read by zonegen (apex name servers, DNSSEC choices)
    dns: Mapped[dict] = mapped_column(default=dict)

    prices: Mapped[list[Price]] = relationship(back_populates="tld", cascade="all, delete-orphan")

    def period(self, name: str) -> timedelta:
        """A policy length by its column's stem, e.g. ``period("autorenew_grace")``."""
        return timedelta(days=getattr(self, f"{name}_days"))


class Price(Base):
    """Standard price per year (per restore for ``restore``) of one operation in one currency."""

    __tablename__ = "prices"
    __table_args__ = (UniqueConstraint("tld_id", "operation", "currency"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tld_id: Mapped[int] = mapped_column(ForeignKey("tlds.id", ondelete="CASCADE"))
    operation: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(Money)

    tld: Mapped[Tld] = relationship(back_populates="prices")


class PremiumRule(Base):
    """A premium class: an exact label or a regular expression, with its own prices."""

    __tablename__ = "premium_rules"
    __table_args__ = (Index("ix_premium_lookup", "tld_id", "kind", "pattern"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tld_id: Mapped[int] = mapped_column(ForeignKey("tlds.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # "name" or "regex"
    pattern: Mapped[str] = mapped_column(String(255))
    class_name: Mapped[str] = mapped_column(String(32), default="premium")
    currency: Mapped[str] = mapped_column(String(3))
    create: Mapped[int | None] = mapped_column(Money)
    renew: Mapped[int | None] = mapped_column(Money)
    transfer: Mapped[int | None] = mapped_column(Money)
    restore: Mapped[int | None] = mapped_column(Money)


class ReservedName(Base):
    __tablename__ = "reserved_names"
    __table_args__ = (UniqueConstraint("tld_id", "label"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tld_id: Mapped[int] = mapped_column(ForeignKey("tlds.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(63))  # A-label
    reason: Mapped[str] = mapped_column(String(255), default="Reserved")
    # escrow deposits it (RFC 9022 NNDN crDate); none only on rows older than the column
    created_at: Mapped[datetime | None]
