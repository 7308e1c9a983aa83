"""The operators' audit log: every change made from the console, who made it, when, and the
changed object before and after, written in the change's own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_name", "id"),
                      Index("ix_audit_log_actor", "actor", "id"))

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))  # "operator:<login>", as in history
    # the operator's account at the registrar site (the core knows no site users: no key)
    operator_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(48))  # e.g. tld.add, registrar.credit
    object_type: Mapped[str] = mapped_column(String(16))  # tld, registrar, domain, user...
    object_name: Mapped[str] = mapped_column(String(253))
    reason: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict | None]  # None: the object did not exist
    after: Mapped[dict | None]  # None: the object is gone
