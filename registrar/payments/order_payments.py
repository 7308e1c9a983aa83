"""Orders paid by a provider: a cart the balance cannot pay becomes a payment of purpose
"order" for what the balance lacks (at least ``min_amount``), carrying the cart. Its
verified event credits the account as any payment's does (rules.apply, once); then the
order is placed from the balance by the same flow as the site's and the API's
(orders.place), once: the payment's row is locked and names the order it placed, or why
none was (``error``). An order that cannot be placed any more (a name taken meanwhile, a
price risen past the balance) leaves the money in the balance, and the user is mailed."""

from __future__ import annotations

import json

from sqlalchemy import select

from registry.flows.context import FlowContext
from registry.money import format_amount

from .. import mail, orders
from ..backends.base import Backend
from ..errors import Conflict, InvalidInput, SiteError
from ..models import SitePayment, SiteUser
from ..names import display
from . import rules


def create(ctx: FlowContext, backend: Backend, user: SiteUser, provider: str,
           cart: list[orders.CartItem], markup_percent: int, min_amount: int,
           max_amount: int) -> SitePayment:
    """The payment for the cart's shortfall, with its checkout's outbox event."""
    total = orders.quote(ctx, backend, user, cart, markup_percent)
    shortfall = total - user.balance
    if shortfall <= 0:
        raise Conflict("the balance pays this cart: place the order instead", field="items")
    amount = max(shortfall, min_amount)  # providers refuse tiny charges
    if amount > max_amount:
        raise InvalidInput(f"the balance lacks {format_amount(shortfall, user.currency)} "
                           f"{user.currency}, more than a payment may be "
                           f"({format_amount(max_amount, user.currency)})", field="items")
    payment = rules.create(ctx, user, provider, amount, purpose="order")
    payment.cart = json.dumps([_item(c) for c in cart])
    return payment


def place(ctx: FlowContext, backend: Backend, payment_id: int, markup_percent: int
          ) -> int | None:
    """Place a paid payment's order from the balance, unless it was placed (or found
    impossible) already; the new order's id."""
    payment = ctx.session.scalars(select(SitePayment).where(SitePayment.id == payment_id)
                                  .with_for_update().execution_options(
                                      populate_existing=True)).first()
    if (payment is None or payment.purpose != "order" or payment.status != "paid"
            or payment.order_id is not None or payment.error is not None):
        return None
    user = ctx.session.scalars(select(SiteUser).where(SiteUser.id == payment.user_id)
                               .with_for_update().execution_options(
                                   populate_existing=True)).one()
    cart = orders.parse_cart(json.loads(payment.cart or "[]"))
    # a transfer's auth code is needed no longer than this
    payment.cart = json.dumps([_item(c) | {"auth_code": None} for c in cart])
    try:
        with ctx.session.begin_nested():
            order = orders.place(ctx, backend, user, cart, markup_percent)
    except SiteError as e:
        payment.error = f"the order was not placed: {e.detail}"[:2000]
        ctx.session.refresh(user)
        mail.send(ctx, user, "order_not_placed", payment_id=payment.id, reason=e.detail,
                  names=[display(c.name) for c in cart],
                  balance=format_amount(user.balance, user.currency), currency=user.currency)
        return None
    payment.order_id = order.id
    return order.id


def _item(c: orders.CartItem) -> dict:
    return {"operation": c.operation, "name": c.name, "years": c.years,
            "auth_code": c.authinfo}
