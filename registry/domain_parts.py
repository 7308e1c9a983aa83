"""What a domain's info shows beyond its own row, read in one round trip.

Name servers, subordinate hosts, contacts, the registrant's handle, DS and key data, grace
periods and whether a transfer is pending live in eight tables; loading them through the
ORM's relationships costs a query each, which made every info (and every history snapshot
of a change) nine queries. One UNION ALL reads them all: each part fills the columns its
kind needs (kind, text, text, four integers, an instant) and leaves the rest NULL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, bindparam, literal, null, select, type_coerce, union_all
from sqlalchemy.orm import Session

from .models import Contact, DomainContact, DomainHost, Host, Transfer
from .models.base import UTCDateTime
from .models.domain import DsRecord, GracePeriod, KeyData
from .models.transfer import PENDING
from .values import DsData, KeyDataValue


@dataclass(frozen=True)
class DomainParts:
    nameservers: tuple[str, ...]
    subordinate_hosts: tuple[str, ...]
    contacts: tuple[tuple[str, str], ...]  # (type, contact handle)
    registrant: str | None
    ds_data: tuple[DsData, ...]
    key_data: tuple[KeyDataValue, ...]
    grace_periods: tuple[tuple[str, datetime], ...]  # (kind, ends at), soonest first
    transfer_pending: bool


def _parts_query():
    text, number = type_coerce(null(), String), type_coerce(null(), Integer)
    instant = type_coerce(null(), UTCDateTime())
    domain = bindparam("domain_id")

    def part(kind, s1=text, s2=text, i1=number, i2=number, i3=number, i4=number, t=instant):
        return select(literal(kind, String), s1, s2, i1, i2, i3, i4, t)

    return union_all(
        # The first part types every column of the result (the instant included).
        part("grace", s1=GracePeriod.kind, t=GracePeriod.ends_at)
        .where(GracePeriod.domain_id == domain),
        part("ns", s1=Host.name).join(DomainHost, DomainHost.host_id == Host.id)
        .where(DomainHost.domain_id == domain),
        part("sub", s1=Host.name).where(Host.superordinate_id == domain),
        part("contact", s1=DomainContact.type, s2=Contact.handle)
        .join(Contact, Contact.id == DomainContact.contact_id)
        .where(DomainContact.domain_id == domain),
        part("registrant", s1=Contact.handle).where(Contact.id == bindparam("registrant_id")),
        part("ds", s1=DsRecord.digest, i1=DsRecord.id, i2=DsRecord.key_tag,
             i3=DsRecord.algorithm, i4=DsRecord.digest_type)
        .where(DsRecord.domain_id == domain),
        part("key", s1=KeyData.public_key, i1=KeyData.id, i2=KeyData.flags,
             i3=KeyData.protocol, i4=KeyData.algorithm)
        .where(KeyData.domain_id == domain),
        part("transfer").select_from(Transfer).where(
            Transfer.object_type == "domain", Transfer.object_id == domain,
            Transfer.status == PENDING),
    )


_PARTS = _parts_query()


def domain_parts(session: Session, domain_id: int, registrant_id: int | None) -> DomainParts:
    """Through the session, so changes a flow has made are flushed first and included."""
    rows: dict[str, list[tuple]] = defaultdict(list)
    for kind, s1, s2, i1, i2, i3, i4, t in session.execute(
            _PARTS, {"domain_id": domain_id, "registrant_id": registrant_id}):
        rows[kind].append((s1, s2, i1, i2, i3, i4, t))
    return DomainParts(
        nameservers=tuple(sorted(r[0] for r in rows["ns"])),
        subordinate_hosts=tuple(sorted(r[0] for r in rows["sub"])),
        contacts=tuple(sorted((r[0], r[1]) for r in rows["contact"])),
        registrant=rows["registrant"][0][0] if rows["registrant"] else None,
        ds_data=tuple(DsData(r[3], r[4], r[5], r[0]) for r in sorted(
            rows["ds"], key=lambda r: r[2])),
        key_data=tuple(KeyDataValue(r[3], r[4], r[5], r[0]) for r in sorted(
            rows["key"], key=lambda r: r[2])),
        grace_periods=tuple(sorted(((r[0], r[6]) for r in rows["grace"]),
                                   key=lambda g: (g[1], g[0]))),
        transfer_pending=bool(rows["transfer"]),
    )
