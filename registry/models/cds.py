"""Pending CDS/CDNSKEY requests (RFC 7344): what a child asks for and since when, kept until
its hold-down has passed, so that a restart of the scanner does not start the wait again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id


class CdsPending(Base):
    __tablename__ = "cds_pending"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    domain_id: Mapped[int] = mapped_column(
        ForeignKey("domains.id", ondelete="CASCADE"), unique=True)
    # the DS set asked for, one record a line ("tag alg type digest"); empty: delete the DS
    requested: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime]                 # first seen asking exactly this
