"""host:create (RFC 5732 3.2.1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import history
from ..errors import ObjectExists
from ..models import Host
from ..names import normalize_host_name
from ..values import HostAddress
from .context import FlowContext
from .host_data import (
    check_address,
    check_addresses,
    place_host,
    publish_glue,
    set_addresses,
)
from .lookup import acting_registrar


@dataclass(frozen=True)
class HostCreate:
    name: str
    addresses: tuple[HostAddress, ...] = ()


@dataclass(frozen=True)
class HostCreated:
    name: str
    created_at: datetime
    code: int = 1000


def host_create(ctx: FlowContext, cmd: HostCreate) -> HostCreated:
    name = normalize_host_name(cmd.name)
    if ctx.session.scalar(select(Host.id).where(Host.name == name)) is not None:
        raise ObjectExists(f"host {name} already exists", value=cmd.name)
    placement = place_host(ctx, name)
    addresses = check_addresses(placement, name, map(check_address, cmd.addresses))
    sponsor = placement.domain.sponsor_id if placement.domain else acting_registrar(ctx).id
    host = Host(name=name, sponsor_id=sponsor, creator_id=sponsor, created_at=ctx.now,
                superordinate_id=placement.domain.id if placement.domain else None,
                addresses=[], statuses=[])
    ctx.session.add(host)
    try:
        ctx.session.flush()
    except IntegrityError:
        raise ObjectExists(f"host {name} already exists", value=cmd.name) from None
    set_addresses(ctx, host, addresses)
    history.record(ctx, host)
    publish_glue(ctx, placement)
    return HostCreated(name, ctx.now)
