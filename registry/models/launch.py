"""Launch phases (RFC 8334) and the Trademark Clearinghouse's data (RFC 7848, RFC 9361):
the TMCH CA and its CRL, the SMD revocation list, the DNL, and what LORDN files report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id, Money

# RFC 8334 3.1 phase names; "custom" phases carry their own name.
PHASES = ("sunrise", "landrush", "claims", "open", "custom")


class LaunchPhase(Base):
    """A TLD is in a phase from ``starts_at`` until ``ends_at`` (open-ended when None)."""

    __tablename__ = "launch_phases"
    __table_args__ = (UniqueConstraint("tld_id", "name", "custom_name"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tld_id: Mapped[int] = mapped_column(ForeignKey("tlds.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(16))
    custom_name: Mapped[str] = mapped_column(String(64), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    # creates in this phase file applications, allocated after it (RFC 8334 3.3.5)
    applications: Mapped[bool] = mapped_column(default=False, server_default=false())


class TmchFile(Base):
    """The TMCH CA certificate (``ca``) and its CRL (``crl``), PEM, as last imported."""

    __tablename__ = "tmch_files"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime]


class RevokedSmd(Base):
    """The SMD revocation list: SMDs that no create may use any more."""

    __tablename__ = "tmch_revoked_smds"

    smd_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    revoked_at: Mapped[datetime]


class DnlEntry(Base):
    """The DNL: labels with marks in the TMCH, and the claims notice's lookup key."""

    __tablename__ = "tmch_dnl"

    label: Mapped[str] = mapped_column(String(63), primary_key=True)
    lookup_key: Mapped[str] = mapped_column(String(64))
    inserted_at: Mapped[datetime]


class LordnEntry(Base):
    """A sunrise or claims registration to report in the TLD's next LORDN file."""

    __tablename__ = "lordn_entries"
    __table_args__ = (Index("ix_lordn_pending", "tld_id", "kind", "sent_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tld_id: Mapped[int] = mapped_column(ForeignKey("tlds.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # sunrise | claims
    domain_id: Mapped[int]  # the domain's ROID is D<id>-<suffix>
    domain_name: Mapped[str] = mapped_column(String(253))
    mark_ref: Mapped[str] = mapped_column(String(64))  # SMD id (sunrise) or notice id (claims)
    registrar_id: Mapped[int] = mapped_column(ForeignKey("registrars.id"))
    registered_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]  # claims: when the registrant acknowledged the notice
    applied_at: Mapped[datetime | None]  # allocated to an application filed then
    sent_at: Mapped[datetime | None]


# RFC 8334 2.5 application statuses this registry uses: validation is done at create, so an
# application starts pendingAllocation; allocation ends it allocated or rejected.
APPLICATION_STATUSES = ("pendingAllocation", "allocated", "rejected")


class LaunchApplication(Base):
    """An application for a name in a phase that takes them: the create it stands for
    (``data``: registrant, contacts, name servers), what was paid for it, and its status."""

    __tablename__ = "launch_applications"
    __table_args__ = (Index("ix_launch_applications_name", "name", "status"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)  # the applicationID
    tld_id: Mapped[int] = mapped_column(ForeignKey("tlds.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(253))
    phase: Mapped[str] = mapped_column(String(16))
    custom_name: Mapped[str] = mapped_column(String(64), default="")
    registrar_id: Mapped[int] = mapped_column(ForeignKey("registrars.id"))
    status: Mapped[str] = mapped_column(String(24))
    mark_ref: Mapped[str] = mapped_column(String(64))  # the SMD's id
    years: Mapped[int]
    amount: Mapped[int] = mapped_column(Money)  # charged at application, refunded if lost
    authinfo_hash: Mapped[str | None] = mapped_column(String(128))
    data: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]
    domain_id: Mapped[int | None]  # once allocated
