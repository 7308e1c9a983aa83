"""domain:info (RFC 5731 3.1.2): full data for the sponsor, or for whoever knows the authInfo."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import select

from .. import tokens
from ..authinfo import verify_authinfo
from ..domain_parts import domains_parts
from ..errors import AuthorizationError, InvalidAuthorization, ParameterSyntaxError
from ..models import Domain, LordnEntry
from ..values import LaunchInfo
from ..views import DomainInfo
from ..views import domain_info as domain_view
from .context import FlowContext
from .lookup import get_domain, is_due, stored_name

HOSTS_FILTERS = ("all", "del", "sub", "none")


@dataclass(frozen=True)
class DomainInfoQuery:
    name: str
    hosts: str = "all"
    authinfo: str | None = None
    authinfo_roid: str | None = None  # the authInfo is the registrant's, named by its ROID
    allocation_token: bool = False  # RFC 8495 allocationToken:info: the sponsor's only
    launch: bool = False  # RFC 8334 launch:info of a registration: the phase it was made in


def domain_info(ctx: FlowContext, cmd: DomainInfoQuery) -> DomainInfo:
    if cmd.hosts not in HOSTS_FILTERS:
        raise ParameterSyntaxError(f"hosts must be one of {', '.join(HOSTS_FILTERS)}")
    domain = get_domain(ctx, cmd.name, lock=False)
    if not ctx.actor.may_act_on(domain.sponsor_id):
        check_authinfo(ctx, domain, cmd.authinfo, cmd.authinfo_roid)
    info = domain_view(ctx, domain)
    if cmd.allocation_token:
        if not ctx.actor.may_act_on(domain.sponsor_id):
            raise AuthorizationError(f"the allocation token of {domain.name} is for its "
                                     "sponsor only")
        info = dataclasses.replace(info, allocation_token=tokens.of_domain(ctx, domain.id))
    if cmd.launch:
        kind = ctx.session.scalar(select(LordnEntry.kind).where(
            LordnEntry.domain_id == domain.id))
        info = dataclasses.replace(info, launch=LaunchInfo(kind or "open"))
    return dataclasses.replace(
        info,
        nameservers=info.nameservers if cmd.hosts in ("all", "del") else (),
        subordinate_hosts=info.subordinate_hosts if cmd.hosts in ("all", "sub") else ())


def prefetch(ctx: FlowContext, commands: list[DomainInfoQuery]) -> None:
    """A batch's infos read their domains' rows, then all their parts, in two queries for
    the batch instead of two each (``ctx.prefetched["domain_rows"]`` and
    ``["domain_parts"]``). A domain whose lifecycle is due gets no prefetched parts: its
    flow settles it first, which may change them."""
    names = {name for cmd in commands if (name := stored_name(cmd.name))}
    if len(names) < 2:
        return  # alone, its flow reads the same in as many queries
    rows = ctx.session.scalars(select(Domain).where(Domain.name.in_(names))).all()
    ctx.prefetched["domain_rows"] = dict.fromkeys(names) | {d.name: d for d in rows}
    settled = {d.id: d.registrant_id for d in rows if not is_due(ctx, d)}
    ctx.prefetched["domain_parts"] = domains_parts(ctx.session, settled) if settled else {}


def check_authinfo(ctx: FlowContext, domain: Domain, authinfo: str | None,
                   authinfo_roid: str | None) -> None:
    """The domain's own authInfo, or the registrant's when the client names its ROID."""
    if not authinfo:
        raise AuthorizationError(
            f"domain {domain.name} is sponsored by another registrar; give its authInfo")
    if authinfo_roid:
        registrant = domain.registrant
        roid = f"C{registrant.id}-{ctx.settings.roid_suffix}" if registrant else None
        if roid != authinfo_roid or not verify_authinfo(authinfo, registrant.authinfo_hash):
            raise InvalidAuthorization(f"invalid authInfo for {domain.name}")
    elif not verify_authinfo(authinfo, domain.authinfo_hash):
        raise InvalidAuthorization(f"invalid authInfo for {domain.name}")
