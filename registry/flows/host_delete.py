"""host:delete (RFC 5732 3.2.2): not while any domain uses it."""

from __future__ import annotations

from dataclasses import dataclass

from .. import history
from ..errors import AssociationProhibitsOperation
from ..views import host_linked
from .context import FlowContext
from .host_data import placement_of, publish_glue
from .lookup import get_host, refuse_statuses, require_sponsor

DELETE_PROHIBITED = ("clientDeleteProhibited", "serverDeleteProhibited")


@dataclass(frozen=True)
class HostDelete:
    name: str


@dataclass(frozen=True)
class HostDeleted:
    name: str
    code: int = 1000


def host_delete(ctx: FlowContext, cmd: HostDelete) -> HostDeleted:
    host = get_host(ctx, cmd.name)
    what = f"host {host.name}"
    require_sponsor(ctx, host, what)
    refuse_statuses(host.statuses, DELETE_PROHIBITED, what, "delete")
    if host_linked(ctx.session, host.id):
        raise AssociationProhibitsOperation(f"{what} is a name server of a domain")
    history.record(ctx, host, deleted=True)
    publish_glue(ctx, placement_of(ctx, host))
    ctx.session.delete(host)
    return HostDeleted(host.name)
