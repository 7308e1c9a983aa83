"""host:update (RFC 5732 3.2.5): addresses, statuses and renames."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .. import history, outbox
from ..errors import (
    AssociationProhibitsOperation,
    ObjectExists,
    ParameterPolicyError,
    StatusProhibitsOperation,
)
from ..models import Domain, DomainHost, Host
from ..names import normalize_host_name
from ..values import HostAddress
from .context import FlowContext
from .host_data import (
    Placement,
    check_address,
    check_addresses,
    place_host,
    placement_of,
    publish_glue,
    set_addresses,
)
from .lookup import get_host, require_sponsor
from .statuses import HOST_STATUSES, change_statuses


@dataclass(frozen=True)
class HostUpdate:
    name: str
    add_addresses: tuple[HostAddress, ...] = ()
    rem_addresses: tuple[HostAddress, ...] = ()
    add_statuses: tuple[str, ...] = ()
    rem_statuses: tuple[str, ...] = ()
    new_name: str | None = None


@dataclass(frozen=True)
class HostUpdated:
    name: str
    code: int = 1000


def host_update(ctx: FlowContext, cmd: HostUpdate) -> HostUpdated:
    host = get_host(ctx, cmd.name)
    what = f"host {host.name}"
    require_sponsor(ctx, host, what)
    _check_update_allowed(ctx, host, cmd)
    old_name, old_placement = host.name, placement_of(ctx, host)
    host.statuses = change_statuses(ctx, what, host.statuses, cmd.add_statuses,
                                    cmd.rem_statuses, HOST_STATUSES)
    placement = _rename(ctx, host, cmd.new_name) if cmd.new_name else placement_of(ctx, host)
    addresses = list(host.addresses)
    for address in map(check_address, cmd.rem_addresses):
        if address not in addresses:
            raise ParameterPolicyError(f"{address} is not an address of {old_name}",
                                       value=address)
        addresses.remove(address)
    if not placement.internal:
        # Renamed out of our TLDs (RST epp-23 expects the rename accepted): an external
        # host has no glue, so its addresses go with the move.
        addresses = []
    for address in map(check_address, cmd.add_addresses):
        if address in addresses:
            raise ParameterPolicyError(f"{address} is already an address of {old_name}",
                                       value=address)
        addresses.append(address)
    set_addresses(ctx, host, check_addresses(placement, host.name, addresses))
    host.updated_at, host.updater_id = ctx.now, ctx.actor.registrar_id
    history.record(ctx, host)
    _publish(ctx, host, old_name, old_placement, placement)
    return HostUpdated(host.name)


def _check_update_allowed(ctx: FlowContext, host: Host, cmd: HostUpdate) -> None:
    statuses = set(host.statuses)
    if "serverUpdateProhibited" in statuses and not ctx.actor.is_privileged:
        raise StatusProhibitsOperation(f"host {host.name} has status serverUpdateProhibited")
    only_statuses = not (cmd.add_addresses or cmd.rem_addresses or cmd.new_name)
    if "clientUpdateProhibited" in statuses and not (
            "clientUpdateProhibited" in cmd.rem_statuses and only_statuses):
        raise StatusProhibitsOperation(
            f"host {host.name} has status clientUpdateProhibited: the only update allowed is "
            "removing it")


def _rename(ctx: FlowContext, host: Host, new_name: str) -> Placement:
    name = normalize_host_name(new_name)
    if name == host.name:
        return placement_of(ctx, host)
    if ctx.session.scalar(select(Host.id).where(Host.name == name)) is not None:
        raise ObjectExists(f"host {name} already exists", value=new_name)
    if host.superordinate_id is None and _linked_by_others(ctx, host):
        raise AssociationProhibitsOperation(
            f"host {host.name} is used by other registrars' domains: it cannot be renamed")
    placement = place_host(ctx, name)
    host.name = name
    host.superordinate_id = placement.domain.id if placement.domain else None
    return placement


def _linked_by_others(ctx: FlowContext, host: Host) -> bool:
    return ctx.session.scalar(select(Domain.id).join(
        DomainHost, DomainHost.domain_id == Domain.id).where(
        DomainHost.host_id == host.id, Domain.sponsor_id != host.sponsor_id).limit(1)) is not None


def _publish(ctx: FlowContext, host: Host, old_name: str, old: Placement,
             new: Placement) -> None:
    """Glue sits in the superordinate domains' delegations; a rename also changes the name
    every delegation using the host points at."""
    publish_glue(ctx, old)
    if new.domain is not old.domain:
        publish_glue(ctx, new)
    if old_name != host.name:
        for domain in ctx.session.scalars(select(Domain).join(
                DomainHost, DomainHost.domain_id == Domain.id).where(
                DomainHost.host_id == host.id)):
            outbox.publish(ctx, ctx.tld_of(domain).name, domain.name)
