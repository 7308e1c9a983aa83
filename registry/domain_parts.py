"""What a domain's info shows beyond its own row, read in one round trip.

Name servers, subordinate hosts, contacts, the registrant's handle, DS and key data, grace
periods and whether a transfer is pending live in eight tables; loading them through the
ORM's relationships costs a query each, which made every info (and every history snapshot
of a change) nine queries. One UNION ALL reads them all, for one domain or a batch's: each
part fills the columns its kind needs (kind, owner, text, text, four integers, an instant)
and leaves the rest NULL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    bindparam,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from .models import Contact, Domain, DomainContact, DomainHost, Host, Transfer
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


def _parts_query(owned_by: Callable[[ColumnElement, str], ColumnElement]):
    """``owned_by(column, key)``: the condition that ``column`` holds the id (or one of the
    ids) bound as ``key``."""
    text, number = type_coerce(null(), String), type_coerce(null(), Integer)
    instant = type_coerce(null(), UTCDateTime())

    def part(kind, owner, s1=text, s2=text, i1=number, i2=number, i3=number, i4=number,
             t=instant):
        return select(literal(kind, String), owner, s1, s2, i1, i2, i3, i4, t)

    # Each row names its owner: the domain's id, or for a registrant the contact's.
    return union_all(
        # The first part types every column of the result (the instant included).
        part("grace", GracePeriod.domain_id, s1=GracePeriod.kind, t=GracePeriod.ends_at)
        .where(owned_by(GracePeriod.domain_id, "domain")),
        part("ns", DomainHost.domain_id, s1=Host.name)
        .join(DomainHost, DomainHost.host_id == Host.id)
        .where(owned_by(DomainHost.domain_id, "domain")),
        part("sub", Host.superordinate_id, s1=Host.name)
        .where(owned_by(Host.superordinate_id, "domain")),
        part("contact", DomainContact.domain_id, s1=DomainContact.type, s2=Contact.handle)
        .join(Contact, Contact.id == DomainContact.contact_id)
        .where(owned_by(DomainContact.domain_id, "domain")),
        part("registrant", Contact.id, s1=Contact.handle)
        .where(owned_by(Contact.id, "registrant")),
        part("ds", DsRecord.domain_id, s1=DsRecord.digest, i1=DsRecord.id,
             i2=DsRecord.key_tag, i3=DsRecord.algorithm, i4=DsRecord.digest_type)
        .where(owned_by(DsRecord.domain_id, "domain")),
        part("key", KeyData.domain_id, s1=KeyData.public_key, i1=KeyData.id,
             i2=KeyData.flags, i3=KeyData.protocol, i4=KeyData.algorithm)
        .where(owned_by(KeyData.domain_id, "domain")),
        part("transfer", Transfer.object_id).where(
            Transfer.object_type == "domain", owned_by(Transfer.object_id, "domain"),
            Transfer.status == PENDING),
    )


# One domain (an info, a history snapshot) with plain parameters; a batch's with IN lists,
# whose expansion at every execution would cost the single case more than its query.
_ONE = _parts_query(lambda column, key: column == bindparam(key))
_MANY = _parts_query(lambda column, key: column.in_(bindparam(key, expanding=True)))


def domain_parts(session: Session, domain_id: int, registrant_id: int | None) -> DomainParts:
    """Through the session, so changes a flow has made are flushed first and included."""
    rows = _by_owner(session.execute(
        _ONE, {"domain": domain_id, "registrant": registrant_id}))
    return _parts(rows, domain_id, registrant_id)


def new_domain_parts(domain: Domain) -> DomainParts:
    """What ``domain_parts`` would read back for a domain this transaction just created,
    from the collections it was created with: no query."""
    return DomainParts(
        nameservers=tuple(sorted(h.name for h in domain.nameservers)),
        subordinate_hosts=(),
        contacts=tuple(sorted((c.type, c.contact.handle) for c in domain.contacts)),
        registrant=domain.registrant.handle if domain.registrant is not None else None,
        ds_data=tuple(DsData(r.key_tag, r.algorithm, r.digest_type, r.digest)
                      for r in domain.ds_records),
        key_data=tuple(KeyDataValue(k.flags, k.protocol, k.algorithm, k.public_key)
                       for k in domain.key_data),
        grace_periods=tuple(sorted(((g.kind, g.ends_at) for g in domain.grace_periods),
                                   key=lambda g: (g[1], g[0]))),
        transfer_pending=False,
    )


def domains_parts(session: Session, registrants: dict[int, int | None]
                  ) -> dict[int, DomainParts]:
    """The parts of several domains at once, by domain id (``registrants`` maps each
    domain's id to its registrant's), as a batch of infos reads them."""
    rows = _by_owner(session.execute(_MANY, {
        "domain": list(registrants),
        "registrant": [r for r in set(registrants.values()) if r is not None]}))
    return {domain_id: _parts(rows, domain_id, registrant_id)
            for domain_id, registrant_id in registrants.items()}


def _by_owner(result) -> dict[tuple[str, int], list[tuple]]:
    rows: dict[tuple[str, int], list[tuple]] = defaultdict(list)
    for kind, owner, s1, s2, i1, i2, i3, i4, t in result:
        rows[kind, owner].append((s1, s2, i1, i2, i3, i4, t))
    return rows


def _parts(rows: dict[tuple[str, int], list[tuple]], domain_id: int,
           registrant_id: int | None) -> DomainParts:
    def of(kind: str) -> list[tuple]:
        return rows.get((kind, domain_id), [])

    registrant = rows.get(("registrant", registrant_id))
    return DomainParts(
        nameservers=tuple(sorted(r[0] for r in of("ns"))),
        subordinate_hosts=tuple(sorted(r[0] for r in of("sub"))),
        contacts=tuple(sorted((r[0], r[1]) for r in of("contact"))),
        registrant=registrant[0][0] if registrant else None,
        ds_data=tuple(DsData(r[3], r[4], r[5], r[0]) for r in sorted(
            of("ds"), key=lambda r: r[2])),
        key_data=tuple(KeyDataValue(r[3], r[4], r[5], r[0]) for r in sorted(
            of("key"), key=lambda r: r[2])),
        grace_periods=tuple(sorted(((r[0], r[6]) for r in of("grace")),
                                   key=lambda g: (g[1], g[0]))),
        transfer_pending=bool(of("transfer")),
    )
