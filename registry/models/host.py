"""Host objects (RFC 5732): name servers, with glue addresses when subordinate to our domains."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id


class Host(Base):
    __tablename__ = "hosts"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)  # lower-case A-labels
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("registrars.id"), index=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("registrars.id"))
    created_at: Mapped[datetime]
    updater_id: Mapped[int | None] = mapped_column(ForeignKey("registrars.id"))
    updated_at: Mapped[datetime | None]
    transferred_at: Mapped[datetime | None]
    # Set for subordinate ("internal") hosts: the domain of ours the name lies under.
    superordinate_id: Mapped[int | None] = mapped_column(ForeignKey("domains.id"), index=True)
    statuses: Mapped[list] = mapped_column(default=list)
    addresses: Mapped[list] = mapped_column(default=list)  # canonical IPv4/IPv6 text


class HostIp(Base):
    """An index of ``Host.addresses``: the hosts an address is glue of (RDAP
    ``nameservers?ip=`` reads a range of its key, not the hosts table). Written with the
    addresses by the host flows (``registry.flows.host_data.set_addresses``)."""

    __tablename__ = "host_ips"

    address: Mapped[str] = mapped_column(String(39), primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("hosts.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
