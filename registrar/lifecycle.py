"""The registrar's side of the lifecycle, run every minute by ``pyrar web serve``:

- the registry's poll messages for the house registrar: transfers in approved (the name
  becomes the user's) or refused (the user refunded), transfers away requested (the holder
  told) and done, names the registry auto-renewed at expiry (charged to the holder if they
  want it and can pay, else deleted back within the auto-renew grace: the registry refunds
  the house and the name goes to redemption, restorable) and names purged;
- renewal reminders 30, 14, 7 and 1 days before expiry;
- auto-renew from the balance ``auto_renew_days`` before expiry (a failure is mailed and
  tried again a day later; a balance too short is charged to the user's saved card, and the
  renewal tried again once that payment is credited: payments/rules.py).

Each poll message and each name is handled in a savepoint: one that fails is logged and
left, the others go on."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from registry.errors import EppError
from registry.flows.context import FlowContext
from registry.flows.poll_messages import QueuedMessage

from . import ledger, mail, orders
from .backends.base import Backend, backend_for
from .config import RegistrarSettings
from .errors import InsufficientFunds, SiteError
from .hosted_zones import forget
from .models import SiteDomain, SiteOrder, SiteOrderItem, SiteUser
from .names import display
from .payments.rules import charge_saved_card
from .pricing import markup_of, user_price

log = logging.getLogger("pyrar.registrar.lifecycle")
REMINDER_DAYS = (30, 14, 7, 1)
APPROVED = ("clientApproved", "serverApproved")
REFUSED = ("clientRejected", "clientCancelled", "serverCancelled")


@dataclass
class Report:
    messages: int = 0
    reminders: int = 0
    renewed: int = 0
    failed: int = 0
    settled: int = 0  # remote order items settled after a crash (remote_orders.py)
    drifts: int = 0  # names at upstreams repaired by reconciliation (reconcile.py)
    contacts: int = 0  # names transferred in with our contacts set (upstream_contacts.py)


def sync_poll(ctx: FlowContext, backend: Backend, settings: RegistrarSettings,
              limit: int = 100) -> int:
    """Apply and acknowledge up to ``limit`` of the registry's messages."""
    done = 0
    while done < limit:
        msg = backend.poll(ctx)
        if msg is None:
            break
        try:
            with ctx.session.begin_nested():
                _apply(ctx, backend, settings, msg)
        except (EppError, SiteError) as e:
            log.error("poll message %d (%s) not applied: %s", msg.id, msg.kind, e)
        backend.ack(ctx, msg.id)
        done += 1
    return done


def _apply(ctx: FlowContext, backend: Backend, settings: RegistrarSettings,
           msg: QueuedMessage) -> None:
    p = msg.payload
    if msg.kind == "domain_transfer":
        apply_transfer(ctx, settings.house_clid, p["transfer"])
    elif msg.kind == "autorenew":
        registry_renewed(ctx, backend, settings, p["name"], _time(p["expires_at"]))
    elif msg.kind == "domain_deleted":
        row = _row(ctx, p["name"])
        if row is not None:
            forget(ctx, row.name)
            ctx.session.delete(row)


def apply_transfer(ctx: FlowContext, clid: str, t: dict) -> None:
    """A transfer's state change told by the registry where ``clid`` is our account."""
    row = _row(ctx, t["name"])
    if row is None:
        return
    user = ctx.session.get(SiteUser, row.user_id)
    name = display(row.name)
    if t["gaining"] == clid:
        if t["status"] in APPROVED and row.state == "transfer_pending":
            row.state, row.expires_at = "active", _time(t["expires_at"])
            mail.send(ctx, user, "transfer_in", name=name, expires=t["expires_at"][:10])
        elif t["status"] in REFUSED and row.state == "transfer_pending":
            _refund_transfer(ctx, row, t["status"])
            ctx.session.delete(row)
    elif t["losing"] == clid:
        if t["status"] == "pending":
            mail.send(ctx, user, "transfer_out_requested", name=name,
                      action_at=t["action_at"][:16].replace("T", " ") + " UTC")
        elif t["status"] in APPROVED:
            forget(ctx, row.name)
            ctx.session.delete(row)
            mail.send(ctx, user, "transfer_out", name=name)


def _refund_transfer(ctx: FlowContext, row: SiteDomain, status: str) -> None:
    item = ctx.session.scalars(select(SiteOrderItem).join(
        SiteOrder, SiteOrder.id == SiteOrderItem.order_id).where(
        SiteOrder.user_id == row.user_id, SiteOrderItem.domain == row.name,
        SiteOrderItem.operation == "transfer", SiteOrderItem.status == "done")
        .order_by(SiteOrderItem.id.desc())).first()
    if item is None:
        return
    order = ctx.session.get(SiteOrder, item.order_id)
    item.status, item.error = "failed", f"the transfer was refused ({status})"
    order.refunded += item.price
    ledger.credit(ctx.session, row.user_id, item.price, ctx.now, "refund",
                  f"refund: transfer of {display(row.name)} refused", order.id)
    mail.send(ctx, ctx.session.get(SiteUser, row.user_id), "order_failed", order_id=order.id,
              items=[{"operation": "transfer", "name": display(row.name), "years": item.years,
                      "price": item.price, "error": item.error}],
              refunded=str(item.price), currency=order.currency)


def registry_renewed(ctx: FlowContext, backend: Backend, settings: RegistrarSettings,
                     name: str, expires: datetime) -> None:
    row = _row(ctx, name)
    if row is None or row.state != "active":
        return
    user = ctx.session.get(SiteUser, row.user_id)
    if row.auto_renew:
        offer = backend.check(ctx, [name])[0]
        cost = offer.prices.get("renew")
        if cost is not None:
            try:
                with ctx.session.begin_nested():
                    price = user_price(cost, markup_of(offer, settings.markup_percent))
                    ledger.debit(ctx.session, user.id, price,
                                 ctx.now, "renew", f"auto-renewal of {display(name)}")
                row.expires_at, row.reminded_days = expires, None
                mail.send(ctx, user, "auto_renewed", name=display(name),
                          expires=expires.date().isoformat())
                return
            except SiteError:
                pass
    # not wanted or not paid: deleted back (the registry refunds the house in its grace)
    backend.delete(ctx, name)
    row.state = "redemption"
    mail.send(ctx, user, "expired", name=display(name))


def remind(ctx: FlowContext, settings: RegistrarSettings, limit: int = 500) -> int:
    horizon = ctx.now + timedelta(days=max(REMINDER_DAYS))
    sent = 0
    for row in ctx.session.scalars(select(SiteDomain).where(
            SiteDomain.state == "active", SiteDomain.expires_at <= horizon,
            SiteDomain.expires_at > ctx.now).order_by(SiteDomain.expires_at).limit(limit)):
        days_left = math.ceil((row.expires_at - ctx.now) / timedelta(days=1))
        threshold = min(t for t in REMINDER_DAYS if days_left <= t)
        if row.reminded_days is not None and row.reminded_days <= threshold:
            continue
        row.reminded_days = threshold
        mail.send(ctx, ctx.session.get(SiteUser, row.user_id), "renewal_reminder",
                  name=display(row.name), days=days_left,
                  expires=row.expires_at.date().isoformat(), auto_renew=row.auto_renew,
                  renew_days=settings.auto_renew_days)
        sent += 1
    return sent


def auto_renew(ctx: FlowContext, backend: Backend, settings: RegistrarSettings,
               limit: int = 100) -> tuple[int, int]:
    """Renew what is due from its holder's balance; (renewed, failed). Names at a remote
    registry are renewed by remote_orders.auto_renew (sent outside the transaction)."""
    renewed = failed = 0
    for row in due_for_renewal(ctx, settings, limit):
        if not backend_for(backend, ctx, row.name).transactional:
            continue
        user = ctx.session.get(SiteUser, row.user_id)
        try:
            with ctx.session.begin_nested():
                order = orders.place(ctx, backend, user, [orders.CartItem("renew", row.name)],
                                     settings.markup_percent, require_verified=False)
                orders.process(ctx, backend, order.id)
                item = orders.items_of(ctx, order.id)[0]
                if item.status != "done":
                    raise SiteError(item.error or "the registry refused the renewal")
        except SiteError as e:
            renewal_failed(ctx, settings, row, user, e)
            failed += 1
            continue
        renewal_done(ctx, row, user)
        renewed += 1
    return renewed, failed


def due_for_renewal(ctx: FlowContext, settings: RegistrarSettings, limit: int
                    ) -> list[SiteDomain]:
    """Names with auto-renew within ``auto_renew_days`` of expiry, not failed in a day."""
    due = ctx.now + timedelta(days=settings.auto_renew_days)
    retry = ctx.now - timedelta(days=1)
    return list(ctx.session.scalars(select(SiteDomain).where(
        SiteDomain.state == "active", SiteDomain.auto_renew.is_(True),
        SiteDomain.expires_at <= due, SiteDomain.expires_at > ctx.now).where(
        (SiteDomain.renew_failed_at.is_(None)) | (SiteDomain.renew_failed_at < retry))
        .order_by(SiteDomain.expires_at).limit(limit)))


def renewal_failed(ctx: FlowContext, settings: RegistrarSettings, row: SiteDomain,
                   user: SiteUser, error: SiteError) -> None:
    """Tried again in a day; a balance too low is charged to the saved card meanwhile."""
    row.renew_failed_at = ctx.now
    reason = error.detail
    if isinstance(error, InsufficientFunds) and charge_saved_card(ctx, user, error.shortfall):
        reason += "; we are charging your saved card and will renew once it is paid"
    mail.send(ctx, user, "auto_renew_failed", name=display(row.name), reason=reason,
              expires=row.expires_at.date().isoformat())


def renewal_done(ctx: FlowContext, row: SiteDomain, user: SiteUser) -> None:
    row.reminded_days, row.renew_failed_at = None, None
    mail.send(ctx, user, "auto_renewed", name=display(row.name),
              expires=row.expires_at.date().isoformat())


def _row(ctx: FlowContext, name: str) -> SiteDomain | None:
    return ctx.session.scalars(select(SiteDomain).where(SiteDomain.name == name)
                               .with_for_update()).first()


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)
