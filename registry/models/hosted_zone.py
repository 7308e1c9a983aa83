"""Where each hosted zone stands, as zonegen last applied it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class HostedZoneStatus(Base):
    """Written by zonegen after it applied a change to a hosted zone or advanced a DNSSEC
    step; read by whoever asked for the change (the registrar site), which cannot look into
    PowerDNS itself."""

    __tablename__ = "hosted_zone_status"

    zone: Mapped[str] = mapped_column(String(253), primary_key=True)  # no trailing dot
    revision: Mapped[int]            # the last revision of the zone's content applied
    # unsigned, signing, signed, unsigning
    dnssec: Mapped[str] = mapped_column(String(16))
    # the pending step of signing (keys-published, keys-served) or unsigning (requested,
    # ds-gone), and when the next one may happen (None: waiting on the servers)
    step: Mapped[str | None] = mapped_column(String(32))
    next_step_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)   # why the last change was not applied
    updated_at: Mapped[datetime]
