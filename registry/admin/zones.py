"""What the core knows of each TLD's zone and of the registrars' poll queues: publication
settings, secure delegations, the DNS outbox backlog and its dead letters, unread messages.

The zone's own keys live in the DNS server (zonegen signs); the core knows the settings it
asked for and the DS data of the delegations it publishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from ..errors import ParameterRangeError
from ..flows.context import FlowContext
from ..models import (
    Domain,
    DsRecord,
    Event,
    HostedZoneStatus,
    KeyData,
    PollMessage,
    Registrar,
    Tld,
)
from ..outbox import DNS_CHANGED
from .registrars import get_registrar
from .tlds import get_tld

DNS_CONSUMER = "dns"


@dataclass(frozen=True)
class ZoneView:
    tld: str
    published: bool  # the TLD has name servers: zonegen serves it
    nameservers: tuple[str, ...]
    dnssec: dict  # what zonegen is asked for: enabled, algorithm, keys, denial
    domains: int
    secure_delegations: int  # names with DS or key data
    backlog: int  # dns.changed rows of this zone not yet published
    dead: int  # ... and those dead-lettered (replay them once the data is fixed)


@dataclass(frozen=True)
class DelegationDs:
    name: str
    key_tag: int
    algorithm: int
    digest_type: int
    digest: str


@dataclass(frozen=True)
class HostedZoneView:
    """A zone hosted for a registrant, as zonegen last reported it."""

    zone: str
    revision: int
    dnssec: str  # unsigned, signing, signed, unsigning
    step: str | None
    next_step_at: datetime | None
    error: str | None
    updated_at: datetime


@dataclass(frozen=True)
class PollQueue:
    clid: str
    unread: int
    oldest: datetime | None


@dataclass(frozen=True)
class PollView:
    id: int
    created_at: datetime
    kind: str
    message: str
    acked_at: datetime | None


def zones(ctx: FlowContext) -> list[ZoneView]:
    s = ctx.session
    counts = dict(s.execute(select(Domain.tld_id, func.count()).group_by(Domain.tld_id)).all())
    secure = dict(s.execute(select(Domain.tld_id, func.count()).where(or_(
        Domain.id.in_(select(DsRecord.domain_id)), Domain.id.in_(select(KeyData.domain_id))))
        .group_by(Domain.tld_id)).all())
    zone = Event.payload["zone"].as_string()
    backlog: dict[str, list[int]] = {}
    for name, dead, n in s.execute(
            select(zone, Event.dead_at.is_not(None), func.count())
            .where(Event.consumer == DNS_CONSUMER, Event.kind == DNS_CHANGED)
            .group_by(zone, Event.dead_at.is_not(None))):
        backlog.setdefault(name, [0, 0])[1 if dead else 0] += n
    out = []
    for tld in s.scalars(select(Tld).order_by(Tld.name)):
        dns = tld.dns or {}
        live, dead = backlog.get(tld.name, (0, 0))
        out.append(ZoneView(tld.name, bool(dns.get("nameservers")),
                            tuple(dns.get("nameservers", ())), dict(dns.get("dnssec", {})),
                            counts.get(tld.id, 0), secure.get(tld.id, 0), live, dead))
    return out


def delegation_ds(ctx: FlowContext, tld_name: str, limit: int = 200) -> list[DelegationDs]:
    """The DS records the zone publishes for its delegations (given as DS data; names
    given key data get theirs derived by zonegen)."""
    tld = get_tld(ctx, tld_name)
    rows = ctx.session.execute(
        select(Domain.name, DsRecord.key_tag, DsRecord.algorithm, DsRecord.digest_type,
               DsRecord.digest).join(DsRecord, DsRecord.domain_id == Domain.id)
        .where(Domain.tld_id == tld.id).order_by(Domain.name, DsRecord.id).limit(limit))
    return [DelegationDs(*r) for r in rows]


def hosted_zones(ctx: FlowContext, *, problems_only: bool = False,
                 limit: int = 200) -> list[HostedZoneView]:
    """Hosted zones, those with an error or a signing step under way first."""
    stmt = select(HostedZoneStatus).order_by(
        HostedZoneStatus.error.is_(None), HostedZoneStatus.step.is_(None),
        HostedZoneStatus.zone).limit(limit)
    if problems_only:
        stmt = stmt.where(or_(HostedZoneStatus.error.is_not(None),
                              HostedZoneStatus.step.is_not(None)))
    return [HostedZoneView(z.zone, z.revision, z.dnssec, z.step, z.next_step_at, z.error,
                           z.updated_at) for z in ctx.session.scalars(stmt)]


def poll_queues(ctx: FlowContext) -> list[PollQueue]:
    rows = ctx.session.execute(
        select(Registrar.clid, func.count(PollMessage.id), func.min(PollMessage.created_at))
        .join(PollMessage, (PollMessage.registrar_id == Registrar.id)
              & PollMessage.acked_at.is_(None), isouter=True)
        .group_by(Registrar.clid).order_by(Registrar.clid))
    return [PollQueue(clid, n, oldest) for clid, n, oldest in rows]


def poll_messages(ctx: FlowContext, clid: str, *, unread_only: bool = True,
                  limit: int = 100) -> list[PollView]:
    """Oldest first, the order the registrar reads them in."""
    if not 1 <= limit <= 1000:
        raise ParameterRangeError("limit must be between 1 and 1000")
    registrar = get_registrar(ctx, clid)
    stmt = select(PollMessage).where(PollMessage.registrar_id == registrar.id).order_by(
        PollMessage.id).limit(limit)
    if unread_only:
        stmt = stmt.where(PollMessage.acked_at.is_(None))
    return [PollView(m.id, m.created_at, m.kind, m.message, m.acked_at)
            for m in ctx.session.scalars(stmt)]
