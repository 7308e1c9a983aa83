"""Registration data as the registry publishes it (RDAP, WHOIS, escrow): read-only queries.

The records hold what the registry knows, unredacted; what a service may show of it (the gTLD
profile's redaction, a contact's disclose flags) is the service's rendering decision. Every
function takes a session from ``Registry.read``: the core owns the transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .domain_parts import domain_parts
from .flows.contact_data import stored_postal
from .models import Contact, Domain, Host, HostIp, Registrar, Tld
from .values import DsData, KeyDataValue, PostalInfo
from .views import domain_statuses, host_linked, rgp_statuses, roid


@dataclass(frozen=True)
class TldRdds:
    name: str
    profile: str            # "gtld" or "cctld" (models.RDDS_PROFILES)
    whois_enabled: bool
    data_model: str         # only "thick" publishes contacts under the gTLD profile


@dataclass(frozen=True)
class RegistrarRecord:
    clid: str
    name: str
    iana_id: int | None
    url: str
    email: str
    abuse_email: str
    abuse_phone: str
    status: str
    created_at: datetime

    @property
    def handle(self) -> str:
        """RDAP's handle: the IANA Registrar ID when it has one (the gTLD profile wants it)."""
        return str(self.iana_id) if self.iana_id is not None else self.clid


@dataclass(frozen=True)
class ContactRecord:
    handle: str
    roid: str
    postal: tuple[PostalInfo, ...]
    voice: str | None
    voice_ext: str | None
    fax: str | None
    fax_ext: str | None
    email: str
    disclose: dict | None   # EPP's {"flag": bool, "fields": [...]}
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True)
class HostRecord:
    name: str
    roid: str
    addresses: tuple[str, ...]
    statuses: tuple[str, ...]   # EPP statuses
    sponsor: RegistrarRecord
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True)
class DomainRecord:
    name: str                   # A-labels
    roid: str
    tld: TldRdds
    statuses: tuple[str, ...]   # EPP statuses, RGP ones (RFC 3915) included
    created_at: datetime
    expires_at: datetime
    updated_at: datetime | None
    transferred_at: datetime | None
    sponsor: RegistrarRecord
    registrant: ContactRecord | None
    contacts: tuple[tuple[str, ContactRecord], ...]  # (admin | billing | tech, contact)
    nameservers: tuple[HostRecord, ...]
    ds_data: tuple[DsData, ...]
    key_data: tuple[KeyDataValue, ...]
    max_sig_life: int | None


class Reference:
    """TLDs' and registrars' records, kept for ``seconds`` (a lookup service reads the same
    few on every query; an operator's change shows within that time, as with policy_cache).
    A cache per process, handed to the queries; the default keeps nothing."""

    def __init__(self, seconds: float = 0.0, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self.seconds, self.clock = seconds, clock
        self._items: dict[tuple[str, int], tuple[float, Any]] = {}

    def get(self, kind: str, key: int, load: Callable[[], Any]) -> Any:
        now = self.clock()
        hit = self._items.get((kind, key))
        if hit and hit[0] > now:
            return hit[1]
        value = load()
        if self.seconds > 0:
            self._items[(kind, key)] = (now + self.seconds, value)
        return value


def tld_rdds(session: Session, name: str) -> TldRdds | None:
    tld = session.scalars(select(Tld).where(Tld.name == name)).first()
    return None if tld is None else _tld(tld)


def tld_names(session: Session) -> tuple[str, ...]:
    return tuple(session.scalars(select(Tld.name).order_by(Tld.name)))


def domain_record(session: Session, name: str, now: datetime, suffix: str,
                  reference: Reference | None = None) -> DomainRecord | None:
    """The domain ``name`` (lower-case A-labels), or None; ``suffix`` is the ROID suffix.
    Core statements, not ORM objects: a lookup service runs this for every query."""
    row = session.execute(select(Domain.__table__).where(Domain.name == name)).first()
    return None if row is None else _domain(session, row, now, suffix, reference or Reference())


def domain_records(session: Session, rows: list, now: datetime, suffix: str,
                   reference: Reference | None = None) -> list[DomainRecord]:
    reference = reference or Reference(60.0)  # one call: the same registrars over and over
    return [_domain(session, row, now, suffix, reference) for row in rows]


def search_domains(session: Session, prefix: str, tld: str | None, limit: int, now: datetime,
                   suffix: str) -> list[DomainRecord]:
    """Domains whose name starts with ``prefix`` (and, with ``tld``, ends in ``.tld``), in
    name order, at most ``limit``. A range on the unique name index, never a scan."""
    stmt = select(Domain.__table__).where(*_prefix(Domain.name, prefix)).order_by(Domain.name)
    if tld is not None:
        stmt = stmt.where(Domain.tld_id == select(Tld.id).where(Tld.name == tld)
                          .scalar_subquery(), Domain.name.like(f"%.{_escape(tld)}", "\\"))
    return domain_records(session, list(session.execute(stmt.limit(limit))), now, suffix)


def host_record(session: Session, name: str, suffix: str) -> HostRecord | None:
    host = session.execute(select(Host.__table__).where(Host.name == name)).first()
    return None if host is None else _host(session, host, suffix, Reference())


def search_hosts_by_name(session: Session, prefix: str, limit: int, suffix: str
                         ) -> list[HostRecord]:
    hosts = session.execute(select(Host.__table__).where(*_prefix(Host.name, prefix))
                            .order_by(Host.name).limit(limit))
    reference = Reference(60.0)
    return [_host(session, h, suffix, reference) for h in hosts]


def search_hosts_by_address(session: Session, address: str, limit: int, suffix: str
                            ) -> list[HostRecord]:
    """Hosts with the address ``address`` (canonical text), oldest first, at most
    ``limit``: a range of the ``host_ips`` key, in its order (no sort), then each host by
    its id."""
    hosts = session.execute(hosts_at_address(address, limit))
    reference = Reference(60.0)
    return [_host(session, h, suffix, reference) for h in hosts]


def hosts_at_address(address: str, limit: int) -> Select:
    return (select(Host.__table__).join(HostIp, HostIp.host_id == Host.id)
            .where(HostIp.address == address).order_by(HostIp.host_id).limit(limit))


def registrar_record(session: Session, handle: str) -> RegistrarRecord | None:
    """A registrar by its IANA Registrar ID, or by its clid when the handle is no number."""
    stmt = select(Registrar)
    stmt = (stmt.where(Registrar.iana_id == int(handle)) if handle.isdigit()
            and len(handle) < 10 else stmt.where(Registrar.clid == handle))
    registrar = session.scalars(stmt).first()
    return None if registrar is None else _registrar(registrar)


def search_registrars(session: Session, by: str, text: str, exact: bool, limit: int
                      ) -> list[RegistrarRecord]:
    """Registrars whose name (``by`` "fn") or handle (``by`` "handle": the IANA ID, else the
    clid) is ``text`` or starts with it, ignoring case, in id order. Registrars are few (a
    few thousand at most), so they are read whole: the same answer on every database,
    whatever its collation."""
    key = text.casefold()
    found = []
    for registrar in session.scalars(select(Registrar).order_by(Registrar.id)):
        record = _registrar(registrar)
        value = (record.name if by == "fn" else record.handle).casefold()
        if value == key if exact else value.startswith(key):
            found.append(record)
            if len(found) == limit:
                break
    return found


def _prefix(column, prefix: str):
    """``column`` starts with ``prefix``, as an index range (LIKE ignores indexes on SQLite)."""
    if not prefix:
        return ()
    return (column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _tld(tld: Tld) -> TldRdds:
    return TldRdds(tld.name, tld.rdds_profile, tld.whois_enabled, tld.data_model)


def _registrar(r: Registrar) -> RegistrarRecord:
    return RegistrarRecord(r.clid, r.name, r.iana_id, r.url, r.email, r.abuse_email,
                           r.abuse_phone, r.status, r.created_at)


def _registrar_by_id(session: Session, registrar_id: int, reference: Reference
                     ) -> RegistrarRecord:
    return reference.get("registrar", registrar_id,
                         lambda: _registrar(session.get(Registrar, registrar_id)))


def contact_record(c: Contact, suffix: str) -> ContactRecord:
    return ContactRecord(
        c.handle, roid("C", c.id, suffix),
        tuple(stored_postal(t, p) for t, p in sorted(c.postal.items())), c.voice, c.voice_ext,
        c.fax, c.fax_ext, c.email, c.disclose, c.created_at, c.updated_at)


def _host(session: Session, host, suffix: str, reference: Reference,
          linked: bool | None = None) -> HostRecord:
    """``host``: a row of the hosts table."""
    """``linked``: known already (a domain's name server is), else read."""
    statuses = list(host.statuses)
    if linked or (linked is None and host_linked(session, host.id)):
        statuses.append("linked")
    if not host.statuses:
        statuses.append("ok")
    return HostRecord(host.name, roid("H", host.id, suffix), tuple(host.addresses),
                      tuple(sorted(statuses)),
                      _registrar_by_id(session, host.sponsor_id, reference),
                      host.created_at, host.updated_at)


def _domain(session: Session, domain, now: datetime, suffix: str, reference: Reference
            ) -> DomainRecord:
    """``domain``: a row of the domains table (the view functions read it as a Domain)."""
    parts = domain_parts(session, domain.id, domain.registrant_id)
    handles = {h for _, h in parts.contacts} | ({parts.registrant} if parts.registrant else set())
    contacts = {c.handle: contact_record(c, suffix) for c in session.scalars(
        select(Contact).where(Contact.handle.in_(handles)))} if handles else {}
    hosts = session.execute(select(Host.__table__).where(Host.name.in_(parts.nameservers))
                            .order_by(Host.name)) if parts.nameservers else ()
    return DomainRecord(
        name=domain.name, roid=roid("D", domain.id, suffix),
        tld=reference.get("tld", domain.tld_id, lambda: _tld(session.get(Tld, domain.tld_id))),
        statuses=domain_statuses(domain, parts) + rgp_statuses(domain, parts, now),
        created_at=domain.created_at, expires_at=domain.expires_at,
        updated_at=domain.updated_at, transferred_at=domain.transferred_at,
        sponsor=_registrar_by_id(session, domain.sponsor_id, reference),
        registrant=contacts.get(parts.registrant) if parts.registrant else None,
        contacts=tuple((kind, contacts[h]) for kind, h in parts.contacts if h in contacts),
        nameservers=tuple(_host(session, h, suffix, reference, True) for h in hosts),
        ds_data=parts.ds_data, key_data=parts.key_data, max_sig_life=domain.max_sig_life)
