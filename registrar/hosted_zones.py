"""Users' hosted zones as rows and events: what the rest of the registrar needs when a name
leaves its user (``forget``), without the user-facing operations of hosted_dns.py."""

from __future__ import annotations

from sqlalchemy import select

from registry.events.emit import emit
from registry.flows.context import FlowContext

from .models import SiteHostedZone

HOSTED_APPLY = "hosted.apply"


def hosted_zone(ctx: FlowContext, name: str, *, lock: bool = False) -> SiteHostedZone | None:
    stmt = select(SiteHostedZone).where(SiteHostedZone.name == name)
    return ctx.session.scalars(stmt.with_for_update() if lock else stmt).first()


def emit_state(ctx: FlowContext, zone: SiteHostedZone, nameservers: tuple[str, ...], *,
               remove: bool = False) -> None:
    emit(ctx, HOSTED_APPLY, {
        "zone": zone.name, "revision": zone.revision, "nameservers": list(nameservers),
        "records": zone.records, "signed": zone.signed, "remove": remove})


def forget(ctx: FlowContext, name: str) -> None:
    """The name is no longer hosted for its user (it left the account, or hosting was
    turned off): its zone goes."""
    zone = hosted_zone(ctx, name, lock=True)
    if zone is None:
        return
    zone.revision += 1
    emit_state(ctx, zone, (), remove=True)
    ctx.session.delete(zone)
