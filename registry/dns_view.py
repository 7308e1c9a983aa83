"""What the registry says DNS should hold: a domain's delegation, or none.

A domain is delegated when it is live (not in redemption or pendingDelete), not on
clientHold/serverHold, and has name servers. Glue is narrow: only the domain's own
subordinate hosts carry addresses in its delegation, and an in-domain name server without an
address is left out (a delegation to it could not be followed).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .dnssec import ds_from_key
from .models import Domain, DomainHost, DsRecord, Host, KeyData, Tld
from .values import DsData, KeyDataValue

HOLDS = {"clientHold", "serverHold"}
PAGE = 2000


@dataclass(frozen=True)
class DelegationData:
    name: str
    nameservers: tuple[str, ...]
    glue: tuple[tuple[str, tuple[str, ...]], ...]  # (host, addresses) for in-domain hosts
    ds: tuple[DsData, ...]


def tld_dns_settings(session: Session, tld_name: str) -> dict | None:
    """The TLD's DNS publication settings (apex name servers, DNSSEC policy), if it exists."""
    return session.scalar(select(Tld.dns).where(Tld.name == tld_name))


def delegation(session: Session, name: str) -> DelegationData | None:
    return delegations_named(session, [name]).get(name)


def delegations_named(session: Session, names: Collection[str]) -> dict[str, DelegationData]:
    """The delegations of these names (any TLDs), by name: four queries at most, whatever
    their number (zonegen's drainer reads a pass's owners so, in one snapshot). A name missing
    from the answer has no delegation (no such domain, not live, on hold, no usable NS)."""
    if not names:
        return {}
    rows = session.execute(select(Domain.id, Domain.name, Domain.statuses, Domain.state)
                           .where(Domain.name.in_(list(names)))).all()
    return {d.name: d for d in _build(session, rows)}


@dataclass(frozen=True)
class DelegationPage:
    delegations: tuple[DelegationData, ...]
    next_after: str | None  # where the next page starts; None when this was the last


def delegations(session: Session, tld_name: str, *, after: str = "",
                limit: int = PAGE) -> DelegationPage:
    """One page of the TLD's delegations in name order: ``limit`` domains after ``after``."""
    tld_id = session.scalar(select(Tld.id).where(Tld.name == tld_name))
    if tld_id is None:
        return DelegationPage((), None)
    rows = session.execute(
        select(Domain.id, Domain.name, Domain.statuses, Domain.state)
        .where(Domain.tld_id == tld_id, Domain.name > after)
        .order_by(Domain.name).limit(limit)).all()
    return DelegationPage(tuple(_build(session, rows)),
                          rows[-1].name if len(rows) == limit else None)


def _build(session: Session, rows) -> list[DelegationData]:
    live = {r.id: r.name for r in rows if r.state == "active" and not HOLDS & set(r.statuses)}
    if not live:
        return []
    ids = list(live)
    hosts: dict[int, list[tuple[str, list]]] = {i: [] for i in ids}
    for domain_id, host_name, addresses in session.execute(
            select(DomainHost.domain_id, Host.name, Host.addresses)
            .join(Host, Host.id == DomainHost.host_id).where(DomainHost.domain_id.in_(ids))):
        hosts[domain_id].append((host_name, addresses))
    ds: dict[int, list[DsData]] = {i: [] for i in ids}
    for r in session.execute(select(DsRecord).where(DsRecord.domain_id.in_(ids))).scalars():
        ds[r.domain_id].append(DsData(r.key_tag, r.algorithm, r.digest_type, r.digest))
    for k in session.execute(select(KeyData).where(KeyData.domain_id.in_(ids))).scalars():
        key = KeyDataValue(k.flags, k.protocol, k.algorithm, k.public_key)
        ds[k.domain_id].append(ds_from_key(live[k.domain_id] + ".", key))
    out = []
    for domain_id, name in sorted(live.items(), key=lambda item: item[1]):
        suffix = "." + name
        usable = [(h, a) for h, a in hosts[domain_id] if not h.endswith(suffix) or a]
        if not usable:
            continue
        out.append(DelegationData(
            name=name, nameservers=tuple(sorted(h for h, _ in usable)),
            glue=tuple(sorted((h, tuple(a)) for h, a in usable if h.endswith(suffix))),
            ds=tuple(ds[domain_id])))
    return out
