"""A TLD's registration data for escrow (RFC 9022): every object, page by page, unredacted.

Read-only queries for one session (``Registry.read(..., snapshot=True, seconds=...)``: a
deposit is one consistent snapshot). Pages are read by id with the parts of a whole page in
one query each, so a deposit of a million domains holds one page in memory at a time.
A differential deposit asks only for what the history says changed since the previous one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import idn
from .domain_parts import domains_parts
from .errors import ParameterPolicyError
from .models import (
    Contact,
    Domain,
    DomainContact,
    DomainHost,
    HistoryEntry,
    Host,
    IdnTable,
    Registrar,
    ReservedName,
    Tld,
)
from .names import unicode_name
from .policy_cache import load_idn_tables
from .registration_data import ContactRecord, contact_record
from .values import DsData, KeyDataValue
from .views import domain_statuses, rgp_statuses, roid

PAGE = 1000


@dataclass(frozen=True)
class EscrowDomain:
    name: str
    roid: str
    statuses: tuple[str, ...]       # EPP domain statuses
    rgp_statuses: tuple[str, ...]   # RFC 3915
    registrant: str | None
    contacts: tuple[tuple[str, str], ...]
    nameservers: tuple[str, ...]
    sponsor: str                    # clids
    creator: str
    created_at: datetime
    expires_at: datetime
    updater: str | None
    updated_at: datetime | None
    transferred_at: datetime | None
    ds_data: tuple[DsData, ...]
    key_data: tuple[KeyDataValue, ...]
    max_sig_life: int | None
    idn_table: str | None = None    # the tag of the IDN table the name's label is from


@dataclass(frozen=True)
class EscrowIdnTable:
    """An IDN table as a deposit refers to it (RFC 9022 rdeIDN): its tag is its id; URLs
    None where the table records none (the deposit derives them from its settings)."""

    tag: str
    version: str
    url: str | None
    policy_url: str | None


@dataclass(frozen=True)
class EscrowHost:
    name: str
    roid: str
    statuses: tuple[str, ...]
    addresses: tuple[str, ...]
    sponsor: str
    creator: str
    created_at: datetime
    updater: str | None
    updated_at: datetime | None
    transferred_at: datetime | None


@dataclass(frozen=True)
class EscrowContact:
    record: ContactRecord
    statuses: tuple[str, ...]
    sponsor: str
    creator: str
    updater: str | None
    transferred_at: datetime | None


@dataclass(frozen=True)
class EscrowRegistrar:
    clid: str
    name: str
    iana_id: int | None
    status: str
    postal: dict | None
    voice: str | None
    email: str
    url: str
    created_at: datetime


@dataclass(frozen=True)
class EscrowReservedName:
    """A name no registrar may register (RFC 9022 NNDN, state "withheld")."""

    name: str           # A-labels, with the TLD
    created_at: datetime


@dataclass(frozen=True)
class Changes:
    """What changed in a TLD since a deposit: names of objects to deposit again (they
    exist) and of objects deleted since."""

    domains: frozenset[str]
    hosts: frozenset[str]
    contacts: frozenset[str]
    deleted_domains: frozenset[str]
    deleted_hosts: frozenset[str]
    deleted_contacts: frozenset[str]


def tld_exists(session: Session, tld: str) -> bool:
    return _tld_id(session, tld) is not None


def registrars(session: Session) -> list[EscrowRegistrar]:
    return [EscrowRegistrar(r.clid, r.name, r.iana_id, r.status, r.postal, r.voice, r.email,
                            r.url, r.created_at)
            for r in session.scalars(select(Registrar).order_by(Registrar.id))]


def _clids(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Registrar.id, Registrar.clid)).all())


def _tld_id(session: Session, tld: str) -> int | None:
    return session.scalar(select(Tld.id).where(Tld.name == tld))


# Hosts and contacts are read page by page over the whole table and each page kept to the
# TLD's by two indexed queries: a condition "used by one of the TLD's domains" in the paged
# statement itself would make SQLite build the set of the TLD's domains again for every
# page (hours at a million domains).


def domains(session: Session, tld: str, now: datetime, suffix: str,
            only: frozenset[str] | None = None) -> Iterator[EscrowDomain]:
    """The TLD's domains in id order (``only``: these names)."""
    clids = _clids(session)
    tld_id = _tld_id(session, tld)
    tables = load_idn_tables(session, tld_id)
    stmt = select(Domain.__table__).where(Domain.tld_id == tld_id)
    for rows in _pages(session, stmt, Domain.id, only, Domain.name):
        parts = domains_parts(session, {r.id: r.registrant_id for r in rows})
        for r in rows:
            p = parts[r.id]
            yield EscrowDomain(
                r.name, roid("D", r.id, suffix), domain_statuses(r, p),
                rgp_statuses(r, p, now), p.registrant, p.contacts, p.nameservers,
                clids[r.sponsor_id], clids[r.creator_id], r.created_at, r.expires_at,
                clids.get(r.updater_id), r.updated_at, r.transferred_at, p.ds_data,
                p.key_data, r.max_sig_life, _idn_table(r, tld, tables))


def idn_tables(session: Session, tld: str) -> list[EscrowIdnTable]:
    return [EscrowIdnTable(r.tag, r.version, r.url, r.policy_url)
            for r in session.execute(select(IdnTable.__table__).where(
                IdnTable.tld_id == _tld_id(session, tld)).order_by(IdnTable.tag))]


def _idn_table(row, tld: str, tables: tuple[idn.Table, ...]) -> str | None:
    """The table the domain's label was registered under (``domains.idn_table``), while
    the TLD still has it; for a name registered before the table was kept (migration
    0028), the one registration would have chosen (the first, in tag order, holding all its
    code points). None for ASCII names, or when no table holds the label any more (its
    table removed since): a deposit refers only to tables it holds."""
    if row.idn_table is not None and any(t.tag == row.idn_table for t in tables):
        return row.idn_table
    label = row.name.removesuffix(f".{tld}")
    if not tables or not label.startswith("xn--"):
        return None
    ulabel = unicode_name(label)
    try:
        return idn.table_for(ulabel, label, tld, tables).tag
    except ParameterPolicyError:
        return None


def hosts(session: Session, tld: str, suffix: str, only: frozenset[str] | None = None
          ) -> Iterator[EscrowHost]:
    """Hosts of the TLD: subordinate to its domains, or name servers of its domains."""
    clids = _clids(session)
    tld_id = _tld_id(session, tld)
    for rows in _pages(session, select(Host.__table__), Host.id, only, Host.name):
        page = [r.id for r in rows]
        ours = set(session.scalars(
            select(Host.id).join(Domain, Domain.id == Host.superordinate_id)
            .where(Host.id.in_(page), Domain.tld_id == tld_id)
            .union(select(DomainHost.host_id).join(Domain, Domain.id == DomainHost.domain_id)
                   .where(DomainHost.host_id.in_(page), Domain.tld_id == tld_id))))
        linked_ids = set(session.scalars(select(DomainHost.host_id).where(
            DomainHost.host_id.in_(page))))
        for r in rows:
            if r.id not in ours:
                continue
            statuses = list(r.statuses) + (["linked"] if r.id in linked_ids else [])
            if not r.statuses:
                statuses.append("ok")
            yield EscrowHost(r.name, roid("H", r.id, suffix), tuple(sorted(statuses)),
                             tuple(r.addresses), clids[r.sponsor_id], clids[r.creator_id],
                             r.created_at, clids.get(r.updater_id), r.updated_at,
                             r.transferred_at)


def contacts(session: Session, tld: str, suffix: str, only: frozenset[str] | None = None
             ) -> Iterator[EscrowContact]:
    """Contacts the TLD's domains use (registrant or admin, billing, tech)."""
    clids = _clids(session)
    tld_id = _tld_id(session, tld)
    for rows in _pages(session, select(Contact), Contact.id, only, Contact.handle, orm=True):
        page = [c.id for c in rows]
        used = set(session.scalars(
            select(Domain.registrant_id).where(Domain.registrant_id.in_(page),
                                               Domain.tld_id == tld_id)
            .union(select(DomainContact.contact_id)
                   .join(Domain, Domain.id == DomainContact.domain_id)
                   .where(DomainContact.contact_id.in_(page), Domain.tld_id == tld_id))))
        for c in rows:
            if c.id not in used:
                continue
            statuses = [*c.statuses, "linked"]  # in use by the TLD's domains
            if not c.statuses:
                statuses.append("ok")
            yield EscrowContact(contact_record(c, suffix), tuple(sorted(statuses)),
                                clids[c.sponsor_id], clids[c.creator_id],
                                clids.get(c.updater_id), c.transferred_at)


def reserved_names(session: Session, tld: str, since: datetime | None = None,
                   until: datetime | None = None) -> Iterator[EscrowReservedName]:
    """The TLD's reserved names in id order (``since``: those reserved in (since, until]).
    Reserved names are only ever added (no command removes one), so a differential deposit
    needs no deletes of them."""
    tld_row = session.execute(select(Tld.id, Tld.created_at).where(Tld.name == tld)).one()
    stmt = select(ReservedName.__table__).where(ReservedName.tld_id == tld_row.id)
    if since is not None:
        stmt = stmt.where(ReservedName.created_at > since, ReservedName.created_at <= until)
    for rows in _pages(session, stmt, ReservedName.id, None, ReservedName.label):
        for r in rows:
            yield EscrowReservedName(f"{r.label}.{tld}", r.created_at or tld_row.created_at)


def changes_since(session: Session, tld: str, since: datetime, until: datetime) -> Changes:
    """What the history records as changed in (since, until]: a TLD's domains by their
    name's suffix; hosts and contacts of any name (the deposit keeps those it holds)."""
    rows = session.execute(select(HistoryEntry.object_type, HistoryEntry.object_name).where(
        HistoryEntry.at > since, HistoryEntry.at <= until).distinct()).all()
    names: dict[str, set[str]] = {"domain": set(), "host": set(), "contact": set()}
    for kind, name in rows:
        if kind in names and (kind != "domain" or name.endswith(f".{tld}")):
            names[kind].add(name)
    live = {
        "domain": set(session.scalars(select(Domain.name).where(
            Domain.name.in_(names["domain"])))) if names["domain"] else set(),
        "host": set(session.scalars(select(Host.name).where(
            Host.name.in_(names["host"])))) if names["host"] else set(),
        "contact": set(session.scalars(select(Contact.handle).where(
            Contact.handle.in_(names["contact"])))) if names["contact"] else set(),
    }
    return Changes(frozenset(live["domain"]), frozenset(live["host"]),
                   frozenset(live["contact"]), frozenset(names["domain"] - live["domain"]),
                   frozenset(names["host"] - live["host"]),
                   frozenset(names["contact"] - live["contact"]))


def _pages(session: Session, stmt, id_column, only: frozenset[str] | None, name_column,
           orm: bool = False) -> Iterator[list]:
    """``stmt``'s rows in pages of PAGE by id (``only``: with these names)."""
    if only is not None:
        names = sorted(only)
        for start in range(0, len(names), PAGE):
            page = stmt.where(name_column.in_(names[start:start + PAGE])).order_by(id_column)
            rows = list(session.scalars(page) if orm else session.execute(page))
            if rows:
                yield rows
        return
    after = 0
    while True:
        page = stmt.where(id_column > after).order_by(id_column).limit(PAGE)
        rows = list(session.scalars(page) if orm else session.execute(page))
        if not rows:
            return
        yield rows
        after = rows[-1].id
        if orm:
            session.expunge_all()  # one page of objects in memory, not the whole TLD
