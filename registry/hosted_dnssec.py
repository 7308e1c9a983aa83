"""DS records asked for by the registry's own DNS hosting (signed hosted zones).

A domain whose name servers are all hosting name servers is served only by us, so the parent
must carry exactly the hosting's DS set: what the registrar put there before cannot match keys
that only we hold. A domain served (even partly) elsewhere is left alone, except that our own
DS records are taken out (they would make the other servers' answers bogus). Every change is
an ordinary DomainUpdate run as the given actor (the system, or an operator), inside the
caller's transaction: statuses, history and the DNS outbox apply as for any update.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .flows.context import FlowContext
from .flows.domain_update import DomainUpdate, domain_update
from .flows.lookup import find_domain
from .models import Domain
from .values import DsData

UPDATED, UNCHANGED, ELSEWHERE, UNREGISTERED = "updated", "unchanged", "elsewhere", "unregistered"
REFUSED = "refused"


@dataclass(frozen=True)
class HostedDsChange:
    domain: str
    outcome: str                  # updated, unchanged, elsewhere (not served only by us),
    #                               unregistered (not a domain of this registry), refused
    ds: tuple[DsData, ...] = ()   # the domain's DS set afterwards
    reason: str = ""              # why the registry refused (a status, a pending transfer...)


def _name(zone: str) -> str:
    return zone.strip().rstrip(".").lower()


def _hosts(names: Iterable[str]) -> frozenset[str]:
    return frozenset(_name(n) for n in names)


def _key(ds: DsData) -> tuple[int, int, int, str]:
    return (ds.key_tag, ds.algorithm, ds.digest_type, "".join(ds.digest.split()).upper())


def _current(domain: Domain) -> tuple[DsData, ...]:
    return tuple(DsData(r.key_tag, r.algorithm, r.digest_type, r.digest)
                 for r in domain.ds_records)


def served_only_by(domain: Domain, nameservers: Iterable[str]) -> bool:
    names = {h.name for h in domain.nameservers}
    return bool(names) and names <= _hosts(nameservers)


def publish_hosted_ds(ctx: FlowContext, zone: str, nameservers: Iterable[str],
                      ds: Iterable[DsData]) -> HostedDsChange:
    """Give the domain ``zone`` exactly the DS set ``ds`` if only ``nameservers`` serve it."""
    domain = find_domain(ctx, _name(zone))
    if domain is None:
        return HostedDsChange(_name(zone), UNREGISTERED)
    if not served_only_by(domain, nameservers):
        return HostedDsChange(domain.name, ELSEWHERE, _current(domain))
    want = {_key(d): d for d in ds}
    if set(map(_key, _current(domain))) == set(want) and not domain.key_data:
        return HostedDsChange(domain.name, UNCHANGED, _current(domain))
    domain_update(ctx, DomainUpdate(domain.name, dnssec_rem_all=True,
                                    ds_add=tuple(want.values())))
    return HostedDsChange(domain.name, UPDATED, _current(domain))


def withdraw_hosted_ds(ctx: FlowContext, zone: str, nameservers: Iterable[str],
                       ds: Iterable[DsData]) -> HostedDsChange:
    """Before the hosting's keys go: no DS at all if only we serve the domain (any DS left
    would make it bogus once unsigned), else no DS of ours (``ds``)."""
    domain = find_domain(ctx, _name(zone))
    if domain is None:
        return HostedDsChange(_name(zone), UNREGISTERED)
    if served_only_by(domain, nameservers):
        if not domain.ds_records and not domain.key_data:
            return HostedDsChange(domain.name, UNCHANGED)
        domain_update(ctx, DomainUpdate(domain.name, dnssec_rem_all=True))
        return HostedDsChange(domain.name, UPDATED)
    ours = {_key(d) for d in ds}
    present = tuple(d for d in _current(domain) if _key(d) in ours)
    if not present:
        return HostedDsChange(domain.name, ELSEWHERE, _current(domain))
    domain_update(ctx, DomainUpdate(domain.name, ds_rem=present))
    return HostedDsChange(domain.name, UPDATED, _current(domain))
