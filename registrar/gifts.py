"""Giving a name to another person by email: the recipient accepts with the mailed link
while logged in as that address (so a gift reveals nothing of who has an account here).

The name stays with the house registrar; only its holder changes, and its auth code is
reset (the giver knew the old one)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from registry.flows.context import FlowContext

from . import mail, tokens
from .accounts import normalize_email
from .backends.base import Backend, DomainChange
from .config import RegistrarSettings
from .domains import held
from .errors import Conflict, Forbidden, InvalidInput
from .hosted_zones import hosted_zone
from .models import SiteDomain, SiteUser
from .names import display
from .orders import new_authinfo


def offer(ctx: FlowContext, settings: RegistrarSettings, giver: SiteUser, name: object,
          recipient: object) -> None:
    row = held(ctx, giver.id, name, lock=True)
    if row.state != "active":
        raise Conflict(f"{display(row.name)} cannot be given while its transfer is pending")
    to = normalize_email(recipient)
    if to == giver.email:
        raise InvalidInput("the name is yours already", field="email")
    days = settings.gift_token_days
    token = tokens.issue(ctx.session, giver.id, "gift", ctx.now, timedelta(days=days),
                         {"name": row.name, "to": to})
    mail.send_to_address(ctx, to, "gifted", sender=giver.email, name=display(row.name),
                         link=f"{settings.site_url}/gift?token={token}", token=token,
                         days=days)


def accept(ctx: FlowContext, backend: Backend, recipient: SiteUser, token: object) -> str:
    """The name moves to ``recipient``; its A-label name."""
    if not isinstance(token, str):
        raise InvalidInput("the gift's token is needed", field="token")
    row = tokens.redeem(ctx.session, "gift", token, ctx.now)
    if row.data.get("to") != recipient.email:
        raise Forbidden("this gift is for another address: log in as the address it was "
                        "sent to")
    domain = ctx.session.scalars(select(SiteDomain).where(
        SiteDomain.name == row.data["name"]).with_for_update()).first()
    if domain is None or domain.user_id != row.user_id:
        raise Conflict("the giver no longer holds this name")
    giver = ctx.session.get(SiteUser, row.user_id)
    domain.user_id = recipient.id
    if (zone := hosted_zone(ctx, domain.name, lock=True)) is not None:
        zone.user_id = recipient.id
    backend.update(ctx, DomainChange(domain.name, authinfo=new_authinfo()))
    mail.send(ctx, giver, "gift_accepted", name=display(domain.name),
              recipient=recipient.email)
    return domain.name

