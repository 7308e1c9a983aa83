"""DS changes the registry makes itself from a child's CDS/CDNSKEY (RFC 7344, RFC 8078).

zonegen's scanner (``zonegen.cds_scan``) decides what the child asks for, after checking the
request is authentic, the same on every name server and stable; this applies it as an
ordinary DomainUpdate run by the system (history, the DNS events and statuses apply; nothing
is billed) and tells the sponsor by a poll message. A domain whose sponsor or registry set
an update prohibition is left alone: that is their switch to keep its DS as it is.

The scanner's hold-down (a request applies once unchanged for a while) is kept here too,
one ``CdsPending`` row per domain with a request waiting, so a restart does not reset it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .flows.context import FlowContext
from .flows.domain_update import DomainUpdate, domain_update
from .flows.lookup import find_domain
from .models import CdsPending, Domain
from .poll import enqueue
from .values import DsData

APPLIED, UNCHANGED, LOCKED, UNREGISTERED = "applied", "unchanged", "locked", "unregistered"
LOCKS = ("clientUpdateProhibited", "serverUpdateProhibited")
POLL_KIND = "dnssec.cds"


@dataclass(frozen=True)
class CdsChange:
    domain: str
    outcome: str
    ds: tuple[DsData, ...] = ()        # the DS set afterwards


def _key(ds: DsData) -> tuple[int, int, int, str]:
    return (ds.key_tag, ds.algorithm, ds.digest_type, "".join(ds.digest.split()).upper())


def apply_cds(ctx: FlowContext, name: str, ds: tuple[DsData, ...]) -> CdsChange:
    """Give the domain exactly ``ds`` (empty: the child asked for its DS to be deleted)."""
    domain = find_domain(ctx, name.strip().rstrip(".").lower())
    if domain is None:
        return CdsChange(name, UNREGISTERED)
    current = tuple(DsData(r.key_tag, r.algorithm, r.digest_type, r.digest)
                    for r in domain.ds_records)
    if set(domain.statuses or ()) & set(LOCKS):
        return CdsChange(domain.name, LOCKED, current)
    if {_key(d) for d in current} == {_key(d) for d in ds} and not domain.key_data:
        return CdsChange(domain.name, UNCHANGED, current)
    domain_update(ctx, DomainUpdate(domain.name, dnssec_rem_all=True, ds_add=ds))
    ctx.session.execute(delete(CdsPending).where(CdsPending.domain_id == domain.id))
    text = ", ".join(f"{d.key_tag} {d.algorithm} {d.digest_type}" for d in ds) or "none"
    enqueue(ctx, domain.sponsor_id, POLL_KIND,
            f"DS of {domain.name} changed by the child's CDS/CDNSKEY: now {text}",
            {"domain": domain.name,
             "ds": [[d.key_tag, d.algorithm, d.digest_type, d.digest] for d in ds]})
    return CdsChange(domain.name, APPLIED, ds)


def pending_requests(session: Session) -> dict[str, tuple[tuple[str, ...], datetime]]:
    """Every waiting request: domain name -> (the DS set asked, since when)."""
    rows = session.execute(select(Domain.name, CdsPending.requested, CdsPending.since)
                           .join(Domain, Domain.id == CdsPending.domain_id))
    return {name: (tuple(line for line in requested.splitlines() if line), since)
            for name, requested, since in rows}


def note_request(ctx: FlowContext, name: str, ds: tuple[str, ...], since: datetime) -> None:
    """The domain's child asks for ``ds`` (DS texts; empty: deletion) since ``since``."""
    domain_id = _domain_id(ctx, name)
    if domain_id is None:
        return
    row = ctx.session.scalar(select(CdsPending).where(CdsPending.domain_id == domain_id))
    if row is None:
        ctx.session.add(CdsPending(domain_id=domain_id, requested="\n".join(ds), since=since))
    else:
        row.requested, row.since = "\n".join(ds), since


def drop_request(ctx: FlowContext, name: str) -> None:
    """The domain's child asks nothing any more (or what it asked is done)."""
    ctx.session.execute(delete(CdsPending).where(CdsPending.domain_id == _domain_id(ctx, name)))


def _domain_id(ctx: FlowContext, name: str) -> int | None:
    return ctx.session.scalar(select(Domain.id).where(
        Domain.name == name.strip().rstrip(".").lower()))
