"""Queries answered by the registration data services, per minute: what the monthly activity
report counts (Specification 3: whois-43-queries, rdap-queries)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class QueryCount(Base):
    """One row per service, TLD and minute; each process adds its own counts to it (an
    upsert adding, registry/query_counts.py), so any number of servers share the rows."""

    __tablename__ = "query_counts"

    # rdap, whois, or an EPP read command's report field (srs-dom-check...)
    service: Mapped[str] = mapped_column(String(32), primary_key=True)
    # '' for queries of no one TLD (RDAP and WHOIS are counted for the registry as a whole)
    tld: Mapped[str] = mapped_column(String(63), primary_key=True)
    minute: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
