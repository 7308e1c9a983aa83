"""Contact objects (RFC 5733)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    handle: Mapped[str] = mapped_column(String(16), unique=True)  # the EPP <contact:id>
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("registrars.id"), index=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("registrars.id"))
    created_at: Mapped[datetime]
    updater_id: Mapped[int | None] = mapped_column(ForeignKey("registrars.id"))
    updated_at: Mapped[datetime | None]
    transferred_at: Mapped[datetime | None]
    authinfo_hash: Mapped[str | None] = mapped_column(String(128))
    statuses: Mapped[list] = mapped_column(default=list)  # client*/server* statuses set
    # {"int": {...}, "loc": {...}}, each: name, org, street[], city, sp, pc, cc
    postal: Mapped[dict] = mapped_column(default=dict)
    voice: Mapped[str | None] = mapped_column(String(32))
    voice_ext: Mapped[str | None] = mapped_column(String(16))
    fax: Mapped[str | None] = mapped_column(String(32))
    fax_ext: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(255))
    disclose: Mapped[dict | None] = mapped_column()  # {"flag": bool, "fields": [...]}
