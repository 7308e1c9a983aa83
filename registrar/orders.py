"""Orders: a cart paid at once, then carried out item by item, each item done or failed and
refunded, exactly once.

``place`` takes the money and records the order "paid" with an ``registrar.order`` event
in the outbox, in one transaction. ``process`` carries it out: with a transactional backend
(the local registry) in one transaction that locks the order, does each item in a savepoint
(a refused item leaves nothing of itself behind and is refunded), and marks the order
"done". A crash before that commit leaves the order "paid" and its event waiting, so the
orders consumer does it again; after it, the order is "done" and doing it again is a no-op.
Never paid without the name, never the name without payment.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from registry.errors import EppError
from registry.events.emit import emit
from registry.flows.context import FlowContext
from registry.money import format_amount

from . import ledger, mail
from .backends.base import Backend, backend_for
from .errors import Conflict, Forbidden, InvalidInput, NotFound, from_registry
from .models import SiteDomain, SiteOrder, SiteOrderItem, SiteUser
from .names import display, to_ascii_name
from .pricing import markup_of, user_price

MAX_ITEMS = 50
MAX_YEARS = 10


@dataclass(frozen=True)
class CartItem:
    operation: str  # create, renew, transfer, restore
    name: str
    years: int = 1
    authinfo: str | None = None  # transfers


def parse_cart(items: object) -> list[CartItem]:
    if not isinstance(items, list) or not items:
        raise InvalidInput("the cart is empty", field="items")
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS} items an order", field="items")
    cart = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidInput(f"item {i + 1} must be an object", field="items")
        operation = item.get("operation", "create")
        if operation not in ("create", "renew", "transfer", "restore"):
            raise InvalidInput(f"item {i + 1}: operation must be create, renew, transfer "
                               "or restore", field="items")
        years = item.get("years", 1)
        if type(years) is not int or not 1 <= years <= MAX_YEARS:
            raise InvalidInput(f"item {i + 1}: years must be 1 to {MAX_YEARS}", field="items")
        authinfo = item.get("auth_code")
        if operation == "transfer" and (not isinstance(authinfo, str) or not authinfo):
            raise InvalidInput(f"item {i + 1}: a transfer needs the name's auth code",
                               field="items")
        if authinfo is not None and (not isinstance(authinfo, str) or len(authinfo) > 255):
            raise InvalidInput(f"item {i + 1}: bad auth code", field="items")
        cart.append(CartItem(operation, to_ascii_name(item.get("name")), years, authinfo))
    if len({(c.operation, c.name) for c in cart}) != len(cart):
        raise InvalidInput("the same name and operation are in the cart twice", field="items")
    return cart


def place(ctx: FlowContext, backend: Backend, user: SiteUser, cart: list[CartItem],
          markup_percent: int, *, require_verified: bool = True) -> SiteOrder:
    """Price the cart, take the money and record the order with its event."""
    if require_verified:
        _check_verified(user)
    if user.balance < 0:
        raise Forbidden("your account is locked: a refund or a dispute took its balance below "
                        "zero; top it up to order again")
    priced = _price(ctx, backend, user, cart, markup_percent)
    total = sum(p for _, _, p in priced)
    order = SiteOrder(user_id=user.id, status="paid", total=total, refunded=0,
                      currency=user.currency, created_at=ctx.now)
    ctx.session.add(order)
    ctx.session.flush()
    for c, cost, price in priced:
        ctx.session.add(SiteOrderItem(order_id=order.id, operation=c.operation, domain=c.name,
                                      years=1 if c.operation == "restore" else c.years,
                                      price=price, cost=cost, status="pending", error=None,
                                      secret=c.authinfo))
    ledger.debit(ctx.session, user.id, total, ctx.now, "order", f"order {order.id}",
                 order.id)
    emit(ctx, "registrar.order", {"order_id": order.id})
    return order


def quote(ctx: FlowContext, backend: Backend, user: SiteUser, cart: list[CartItem],
          markup_percent: int) -> int:
    """What ``place`` would take for the cart now, with the same checks (but not the
    balance's): an order paid by a provider asks for what the balance lacks."""
    _check_verified(user)
    return sum(p for _, _, p in _price(ctx, backend, user, cart, markup_percent))


def _check_verified(user: SiteUser) -> None:
    if user.email_verified_at is None:
        raise Forbidden("verify your email address before buying: follow the link we mailed")


def _price(ctx: FlowContext, backend: Backend, user: SiteUser, cart: list[CartItem],
           markup_percent: int) -> list[tuple[CartItem, int, int]]:
    """Each item with its cost and the user's price; Conflict, NotFound or InvalidInput for
    an item that cannot be done now."""
    offers = {o.name: o for o in backend.check(ctx, [c.name for c in cart])}
    held = {d.name: d for d in ctx.session.scalars(select(SiteDomain).where(
        SiteDomain.name.in_([c.name for c in cart])))}
    priced = []
    for c in cart:
        offer = offers[c.name]
        mine = held.get(c.name)
        if c.operation == "create" and not offer.available:
            # taken is a conflict of the moment; anything else (reserved, not a name this
            # registry takes) is about the input
            kind = Conflict if offer.reason == "In use" else InvalidInput
            raise kind(f"{display(c.name)} cannot be registered: {offer.reason}",
                       field="items")
        if c.operation in ("renew", "restore") and (mine is None or mine.user_id != user.id):
            raise NotFound(f"you do not hold {display(c.name)}", field="items")
        if c.operation == "restore" and mine.state != "redemption":
            raise Conflict(f"{display(c.name)} is not in redemption", field="items")
        if c.operation == "renew" and mine.state != "active":
            raise Conflict(f"{display(c.name)} cannot be renewed now ({mine.state})",
                           field="items")
        if c.operation == "transfer":
            if mine is not None:
                raise Conflict(f"{display(c.name)} is already with us", field="items")
            if offer.available:
                raise Conflict(f"{display(c.name)} is not registered: register it instead",
                               field="items")
        costs = [offer.prices.get(c.operation)]
        if c.operation == "restore" and mine.expires_at <= ctx.now:
            costs.append(offer.prices.get("renew"))  # the registry adds the lapsed year
        if None in costs:
            raise Conflict(f"{display(c.name)} has no {c.operation} price: "
                           f"{offer.reason or 'none in our currency'}", field="items")
        years = 1 if c.operation == "restore" else c.years
        priced.append((c, sum(costs) * years,
                       sum(user_price(cost, markup_of(offer, markup_percent))
                           for cost in costs) * years))
    return priced


def process(ctx: FlowContext, backend: Backend, order_id: int) -> SiteOrder | None:
    """Carry out a paid order's items at transactional backends; a no-op for one carried
    out already (None if no such order). Items at remote registries are left "pending" for
    remote_orders.py, which finishes the order once they are settled."""
    order = lock_order(ctx, order_id)
    if order is None or order.status != "paid":
        return order
    user = ctx.session.get(SiteUser, order.user_id)
    items = items_of(ctx, order.id)
    for item in items:
        if item.status != "pending":
            continue
        target = backend_for(backend, ctx, item.domain)
        if not target.transactional:
            continue
        try:
            with ctx.session.begin_nested():
                _carry_out(ctx, target, user, item)
            item.status = "done"
        except EppError as e:
            refund(ctx, order, item, from_registry(e).detail)
        except (Conflict, NotFound) as e:
            refund(ctx, order, item, e.detail)
        item.secret, item.completed_at = None, ctx.now
    finish(ctx, order, user, items)
    return order


def lock_order(ctx: FlowContext, order_id: int) -> SiteOrder | None:
    return ctx.session.scalars(select(SiteOrder).where(SiteOrder.id == order_id)
                               .with_for_update()).first()


def finish(ctx: FlowContext, order: SiteOrder, user: SiteUser,
           items: list[SiteOrderItem]) -> None:
    """Mark the order done and mail the receipt and the failures, once every item is done
    or failed (a remote item may still be under way)."""
    if order.status != "paid" or any(i.status in ("pending", "submitted", "awaiting")
                                     for i in items):
        return
    order.status, order.completed_at = "done", ctx.now
    done = [i for i in items if i.status == "done"]
    failed = [i for i in items if i.status == "failed"]
    if done:
        mail.send(ctx, user, "receipt", order_id=order.id, items=[_line(i) for i in done],
                  total=format_amount(order.total - order.refunded, order.currency),
                  currency=order.currency)
    if failed:
        mail.send(ctx, user, "order_failed", order_id=order.id,
                  items=[_line(i) | {"error": i.error} for i in failed],
                  refunded=format_amount(order.refunded, order.currency),
                  currency=order.currency)


def _carry_out(ctx: FlowContext, backend: Backend, user: SiteUser, item: SiteOrderItem) -> None:
    held = precheck(ctx, user, item)
    expires = None
    if item.operation == "create":
        # a strong random auth code; the user can show or reset it later
        expires = backend.create(ctx, item.domain, item.years, new_authinfo(), item.cost,
                                 registrant=user.contact_id)
    elif item.operation == "transfer":
        backend.transfer_request(ctx, item.domain, item.secret or "", item.years, item.cost)
    elif item.operation == "renew":
        expires = backend.renew(ctx, item.domain, item.years, item.cost)
    else:
        backend.restore(ctx, item.domain, item.cost)
        expires = backend.info(ctx, item.domain).expires_at
    record(ctx, backend.name, user, item, held, expires)


def precheck(ctx: FlowContext, user: SiteUser, item: SiteOrderItem) -> SiteDomain | None:
    """The name's row, if it may be done now; Conflict or NotFound otherwise."""
    held = ctx.session.scalars(select(SiteDomain).where(SiteDomain.name == item.domain)).first()
    if item.operation == "create" and held is not None:
        raise Conflict(f"{display(item.domain)} was registered meanwhile")
    if item.operation == "transfer" and held is not None:
        raise Conflict(f"{display(item.domain)} is already with us")
    if item.operation in ("renew", "restore") and (held is None or held.user_id != user.id):
        raise NotFound(f"you no longer hold {display(item.domain)}")
    return held


def record(ctx: FlowContext, backend_name: str, user: SiteUser, item: SiteOrderItem,
           held: SiteDomain | None, expires: datetime | None) -> None:
    """What a done item changes on the site: the name's row and its expiry."""
    if item.operation == "create":
        ctx.session.add(SiteDomain(user_id=user.id, name=item.domain, backend=backend_name,
                                   state="active", auto_renew=True, created_at=ctx.now,
                                   expires_at=expires))
        ctx.session.flush()
    elif item.operation == "transfer":
        # the user's once the losing registrar or the registry approves (the poll says so)
        ctx.session.add(SiteDomain(user_id=user.id, name=item.domain, backend=backend_name,
                                   state="transfer_pending", auto_renew=True,
                                   created_at=ctx.now, expires_at=ctx.now))
        ctx.session.flush()
    elif item.operation == "renew":
        held.expires_at = expires
        held.reminded_days = held.renew_failed_at = None
    else:
        held.state, held.expires_at = "active", expires


def refund(ctx: FlowContext, order: SiteOrder, item: SiteOrderItem, why: str) -> None:
    item.status, item.error = "failed", why[:2000]
    order.refunded += item.price
    ledger.credit(ctx.session, order.user_id, item.price, ctx.now, "refund",
                  f"refund: {item.operation} {display(item.domain)} failed", order.id)


def _line(item: SiteOrderItem) -> dict:
    return {"operation": item.operation, "name": display(item.domain), "years": item.years,
            "price": item.price}


def new_authinfo() -> str:
    """32 random characters of a 64-symbol alphabet: 192 bits, past the registry's minimum
    (RFC 9154 asks for 128)."""
    return secrets.token_urlsafe(24)


def orders_of(ctx: FlowContext, user_id: int, limit: int = 50) -> list[SiteOrder]:
    return list(ctx.session.scalars(select(SiteOrder).where(SiteOrder.user_id == user_id)
                                    .order_by(SiteOrder.id.desc()).limit(limit)))


def items_of(ctx: FlowContext, order_id: int) -> list[SiteOrderItem]:
    return list(ctx.session.scalars(select(SiteOrderItem).where(
        SiteOrderItem.order_id == order_id).order_by(SiteOrderItem.id)))
