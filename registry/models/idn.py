"""A TLD's IDN tables: the code points one script or language may use, and their variants."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Id


class IdnTable(Base):
    """One table as ``registry.idn.parse_lgr`` read it: ``ranges`` [[first, last], ...] of
    code points, ``variants`` [[cp, variant cp, "blocked"|"allocatable"], ...]."""

    __tablename__ = "idn_tables"
    __table_args__ = (UniqueConstraint("tld_id", "tag"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tld_id: Mapped[int] = mapped_column(ForeignKey("tlds.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(64))  # BCP 47 language or script tag: und-Latn
    version: Mapped[str] = mapped_column(String(64), default="")
    ranges: Mapped[list] = mapped_column(default=list)
    variants: Mapped[list] = mapped_column(default=list)
    loaded_at: Mapped[datetime]
    # where the table is published (IANA's repository or the registry's site) and the
    # registration policy that goes with it; None: derived from [escrow] idn_table_url and
    # idn_policy_url when a deposit names them (rdeIDN, RFC 9022 section 5.5)
    url: Mapped[str | None] = mapped_column(String(2048), default=None)
    policy_url: Mapped[str | None] = mapped_column(String(2048), default=None)


class VariantBundle(Base):
    """One row per variant key a TLD has seen: the rows that serialize creates in one
    variant bundle. A create whose label has a variant key inserts (or locks) the row in
    its transaction before it looks at the bundle's registered names, so two sessions
    creating variants of one bundle at once take turns, and the second sees the first's
    name: one sponsor per bundle, no blocked variant beside its registered name. The row
    outlives the bundle's names; it holds nothing but the lock and ``creates``, which every
    create adds one to: a real write, so that Galera certifies it (a row lock alone is not
    replicated; two nodes' creates in one bundle conflict, one is retried)."""

    __tablename__ = "variant_bundles"

    tld_id: Mapped[int] = mapped_column(ForeignKey("tlds.id", ondelete="CASCADE"),
                                        primary_key=True)
    variant_key: Mapped[str] = mapped_column(String(253), primary_key=True)
    creates: Mapped[int] = mapped_column(default=1, server_default="1")
