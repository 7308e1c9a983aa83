"""Domain objects (RFC 5731) with their contacts, name servers, DNSSEC data and grace periods."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Id, Money
from .contact import Contact
from .host import Host
from .tld import Tld

# Where a domain is in its life; "active" covers every state in which it resolves normally.
STATES = ("active", "redemption", "pending_restore", "pending_delete")


class Domain(Base):
    __tablename__ = "domains"
    __table_args__ = (Index("ix_domains_next_event", "next_event_at"),
                      Index("ix_domains_variant_key", "variant_key", "tld_id"))

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)  # A-labels, lower case
    tld_id: Mapped[int] = mapped_column(ForeignKey("tlds.id"))
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("registrars.id"), index=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("registrars.id"))
    created_at: Mapped[datetime]
    updater_id: Mapped[int | None] = mapped_column(ForeignKey("registrars.id"))
    updated_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    transferred_at: Mapped[datetime | None]
    registrant_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    authinfo_hash: Mapped[str | None] = mapped_column(String(128))
    statuses: Mapped[list] = mapped_column(default=list)  # client*/server* statuses set
    state: Mapped[str] = mapped_column(String(16), default="active")
    state_until: Mapped[datetime | None]  # end of redemption / pendingRestore / pendingDelete
    deleted_at: Mapped[datetime | None]
    max_sig_life: Mapped[int | None]
    # IDN labels with variants: the label with every code point replaced by the smallest of
    # its variant set (registry.idn.variant_key), as an A-label; a variant bundle shares it.
    variant_key: Mapped[str | None] = mapped_column(String(253))
    # The tag of the IDN table (of the TLD's) the label was registered under: idn-1.0's
    # <idn:table>, else the first table in tag order holding all its code points; None for
    # ASCII labels or a TLD without tables. The tag, not the row's id, as RFC 9022's
    # idnTableId: a table reloaded under its tag is the same table, and a name registered
    # with a cached table's id never meets a row removed since.
    idn_table: Mapped[str | None] = mapped_column(String(64))
    # The earliest instant at which lifecycle.settle has work to do for this domain.
    next_event_at: Mapped[datetime | None]

    # Flows read TLD policy through FlowContext.tld_of (the policy cache), not this.
    tld: Mapped[Tld] = relationship()
    registrant: Mapped[Contact | None] = relationship()
    contacts: Mapped[list[DomainContact]] = relationship(
        cascade="all, delete-orphan", order_by="DomainContact.type")
    nameservers: Mapped[list[Host]] = relationship(
        secondary="domain_hosts", order_by="Host.name")
    ds_records: Mapped[list[DsRecord]] = relationship(
        cascade="all, delete-orphan", order_by="DsRecord.id")
    key_data: Mapped[list[KeyData]] = relationship(
        cascade="all, delete-orphan", order_by="KeyData.id")
    grace_periods: Mapped[list[GracePeriod]] = relationship(
        cascade="all, delete-orphan", order_by="GracePeriod.ends_at")
    subordinate_hosts: Mapped[list[Host]] = relationship(
        primaryjoin="Host.superordinate_id == Domain.id", viewonly=True, order_by="Host.name")



class DomainContact(Base):
    __tablename__ = "domain_contacts"

    domain_id: Mapped[int] = mapped_column(
        ForeignKey("domains.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id"), primary_key=True, index=True)
    type: Mapped[str] = mapped_column(String(8), primary_key=True)  # admin | billing | tech

    contact: Mapped[Contact] = relationship(lazy="joined", innerjoin=True)


class DomainHost(Base):
    """A domain's name server (host object) association; what makes a host "linked"."""

    __tablename__ = "domain_hosts"

    domain_id: Mapped[int] = mapped_column(
        ForeignKey("domains.id", ondelete="CASCADE"), primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id"), primary_key=True, index=True)


class DsRecord(Base):
    __tablename__ = "ds_records"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    domain_id: Mapped[int] = mapped_column(
        ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    key_tag: Mapped[int]
    algorithm: Mapped[int]
    digest_type: Mapped[int]
    digest: Mapped[str] = mapped_column(String(128))  # upper-case hex


class KeyData(Base):
    """A DNSKEY given through the secDNS keyData interface; zonegen derives its DS."""

    __tablename__ = "key_data"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    domain_id: Mapped[int] = mapped_column(
        ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    flags: Mapped[int]
    protocol: Mapped[int]
    algorithm: Mapped[int]
    public_key: Mapped[str] = mapped_column(Text)  # base64, whitespace removed


class GracePeriod(Base):
    """A refundable window after a billed event (add, renew, autorenew, transfer)."""

    __tablename__ = "grace_periods"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    domain_id: Mapped[int] = mapped_column(
        ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # add | renew | autorenew | transfer
    registrar_id: Mapped[int] = mapped_column(ForeignKey("registrars.id"))
    ends_at: Mapped[datetime]
    amount: Mapped[int] = mapped_column(Money)  # what a delete in the window refunds
    years: Mapped[int]  # what a delete in the window takes back off the expiry
