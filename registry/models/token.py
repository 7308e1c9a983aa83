"""Allocation tokens (RFC 8495): what lets a registrar create a reserved name, or a name at
the token's price, and which domain each use of a token created."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id, Money


class AllocationToken(Base):
    """A token for one label of a TLD (``label``) or any (None), for one registrar or any,
    ``max_uses`` times (None: no limit) between ``valid_from`` and ``valid_until``.

    ``uses`` counts the creates that spent it: each create raises it in its own transaction
    with a conditional UPDATE, and the CHECK keeps it within the limit whatever runs."""

    __tablename__ = "allocation_tokens"
    __table_args__ = (CheckConstraint("max_uses IS NULL OR uses <= max_uses",
                                      name="within_limit"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    tld_id: Mapped[int] = mapped_column(ForeignKey("tlds.id", ondelete="CASCADE"))
    label: Mapped[str | None] = mapped_column(String(63))  # A-label; None: any name
    registrar_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrars.id", ondelete="CASCADE"))
    max_uses: Mapped[int | None]
    uses: Mapped[int] = mapped_column(default=0)
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    # The price rule: the create price per year in ``currency`` for what the token allows,
    # instead of the TLD's standard or premium price; None: the TLD's price.
    create_price: Mapped[int | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime]


class AllocationTokenUse(Base):
    """A create that spent a token: domain:info shows the sponsor its domain's token."""

    __tablename__ = "allocation_token_uses"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_id: Mapped[int] = mapped_column(
        ForeignKey("allocation_tokens.id", ondelete="CASCADE"))
    domain_id: Mapped[int] = mapped_column(
        ForeignKey("domains.id", ondelete="CASCADE"), unique=True)
    registrar_id: Mapped[int] = mapped_column(ForeignKey("registrars.id"))
    used_at: Mapped[datetime]
