"""Users' notifications: every message the site sends a user (registrar/mail.py) is also
kept for their account, read or not, so the site can list what happened without the mail
(and whatever the user's mail preferences). Only the subject and a link within the site
are kept, never the mail's values: links in mail carry single-use tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, StrictUndefined
from sqlalchemy import func, select, update

from registry.flows.context import FlowContext

from .errors import InvalidInput
from .models import SiteNotification

TEMPLATES = Path(__file__).parent / "templates" / "mail"
MAX_LISTED = 100
MAX_IDS = 500

# where in the site each message leads: a domain's page, an order, a payment, the account
DOMAIN_PAGE = frozenset({"auto_renew_failed", "auto_renewed", "expired", "renewal_reminder",
                         "transfer_in", "transfer_out_requested", "transfer_contacts_failed"})
ACCOUNT_PAGE = frozenset({"verify", "reset", "password_changed", "two_factor_changed",
                          "api_key_created"})


@dataclass(frozen=True)
class NotificationView:
    id: int
    at: datetime
    kind: str               # the message's template: "auto_renewed", "receipt", ...
    subject: str
    link: str | None        # a path of the site
    read: bool


def record(ctx: FlowContext, user_id: int, template: str, values: dict) -> None:
    """Keep the message ``template`` (with ``values``) sent to the user as a notification."""
    ctx.session.add(SiteNotification(
        user_id=user_id, at=ctx.now, kind=template, subject=subject(template, values)[:255],
        link=_link(template, values)))


def subject(template: str, values: dict) -> str:
    """The first line of the message's text template, as the mail's subject."""
    first = (TEMPLATES / f"{template}.txt").read_text().partition("\n")[0]
    env = Environment(undefined=StrictUndefined, autoescape=False)  # text, set as text
    return env.from_string(first).render(values).strip()


def _link(template: str, values: dict) -> str | None:
    if template in DOMAIN_PAGE and values.get("name"):
        return f"/domains/{values['name']}"
    if template in ("receipt", "order_failed") and values.get("order_id"):
        return f"/orders/{int(values['order_id'])}"
    if template in ("payment_received", "payment_reversed", "order_not_placed") \
            and values.get("payment_id"):
        return f"/payments/{int(values['payment_id'])}"
    if template in ACCOUNT_PAGE:
        return "/account"
    return None


def listing(ctx: FlowContext, user_id: int, unread_only: bool = False
            ) -> tuple[list[NotificationView], int]:
    """The newest notifications (at most MAX_LISTED) and how many are unread in all."""
    query = select(SiteNotification).where(SiteNotification.user_id == user_id)
    if unread_only:
        query = query.where(SiteNotification.read_at.is_(None))
    rows = ctx.session.scalars(query.order_by(SiteNotification.id.desc()).limit(MAX_LISTED))
    return [NotificationView(r.id, r.at, r.kind, r.subject, r.link, r.read_at is not None)
            for r in rows], unread(ctx, user_id)


def unread(ctx: FlowContext, user_id: int) -> int:
    return ctx.session.scalar(select(func.count()).select_from(SiteNotification).where(
        SiteNotification.user_id == user_id, SiteNotification.read_at.is_(None)))


def mark_read(ctx: FlowContext, user_id: int, ids: object, everything: object) -> int:
    """Mark the user's notifications ``ids`` (or all of them) read; the unread count after.
    Ids that are not the user's are ignored, as are ones already read."""
    if everything is not None and not isinstance(everything, bool):
        raise InvalidInput("all is true or false", field="all")
    query = update(SiteNotification).where(SiteNotification.user_id == user_id,
                                           SiteNotification.read_at.is_(None))
    if not everything:
        if ids is None:
            raise InvalidInput("give the ids to mark read, or all: true", field="ids")
        if not isinstance(ids, list) or len(ids) > MAX_IDS or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63
                for i in ids):
            raise InvalidInput(f"ids is a list of at most {MAX_IDS} notification ids",
                               field="ids")
        query = query.where(SiteNotification.id.in_(ids))
    ctx.session.execute(query.values(read_at=ctx.now))
    return unread(ctx, user_id)
