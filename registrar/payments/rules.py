"""The rules every provider's payments follow, inside the caller's transaction.

- A payment is made by us first: ``create`` writes it with the outbox event that has its
  checkout made at the provider.
- A verified event moves money only for the payment it matches (ours by id, the provider's
  checkout by reference), in the payment's currency, once per provider event id: the event's
  row and the ledger's are written together, and the unique (provider, event id) makes a
  second delivery, even one racing the first, a duplicate that changes nothing.
- "paid" credits the difference between what the provider says it received in total and
  what was credited already (a partial payment now, the rest later), at most
  ``max_overpayment_percent`` above the amount asked.
- Refunds and disputes take back what they say, at most what the payment credited; the
  balance may go negative, which locks the account for new orders until it is topped up.
"""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from registry.events.emit import emit
from registry.flows.context import FlowContext
from registry.money import format_amount

from .. import ledger, mail
from ..errors import Conflict, InvalidInput, NotFound
from ..models import SiteDomain, SitePayment, SitePaymentEvent, SiteSavedCard, SiteUser
from ..views import Money
from .values import Checkout, Outcome, PaymentView, VerifiedEvent

CHECKOUT_EVENT = "payment.checkout"
CAPTURE_EVENT = "payment.capture"
REFUND_EVENT = "payment.refund"
ORDER_EVENT = "payment.order"  # place a paid payment's order (order_payments.py)
log = logging.getLogger("pyrar.payments")
# the least an off-session charge asks for (providers refuse tiny charges: Stripe's least is
# 0.50 USD), in minor units
MIN_CHARGE = 500


def create(ctx: FlowContext, user: SiteUser, provider: str, amount: int,
           purpose: str = "topup") -> SitePayment:
    payment = SitePayment(user_id=user.id, provider=provider, purpose=purpose, amount=amount,
                          currency=user.currency, status="created", received=0, reversed=0,
                          created_at=ctx.now)
    ctx.session.add(payment)
    ctx.session.flush()
    emit(ctx, CHECKOUT_EVENT, {"payment_id": payment.id})
    return payment


def record_checkout(ctx: FlowContext, payment_id: int, checkout: Checkout) -> bool:
    """Note the provider's checkout for a payment that has none yet (a second one made by
    a retry is not recorded: the provider's idempotency key made it the same, or it is
    never shown to the payer)."""
    done = ctx.session.execute(update(SitePayment).where(
        SitePayment.id == payment_id, SitePayment.provider_ref.is_(None),
        SitePayment.status == "created").values(
        provider_ref=checkout.provider_ref, checkout_url=checkout.url, error=None,
        status="pending").execution_options(synchronize_session=False))
    if done.rowcount == 1 and checkout.customer is not None:
        payment = ctx.session.get(SitePayment, payment_id)
        save_card(ctx, payment.user_id, payment.provider, checkout.customer)
    return done.rowcount == 1


def saved_card(ctx: FlowContext, user_id: int, provider: str) -> SiteSavedCard | None:
    return ctx.session.scalars(select(SiteSavedCard).where(
        SiteSavedCard.user_id == user_id, SiteSavedCard.provider == provider)).first()


def save_card(ctx: FlowContext, user_id: int, provider: str, customer: str,
              payment_method: str | None = None) -> None:
    """Note the user's customer at the provider, and the card a payment saved."""
    card = saved_card(ctx, user_id, provider)
    if card is None:
        card = SiteSavedCard(user_id=user_id, provider=provider, customer=customer)
        ctx.session.add(card)
    card.customer, card.updated_at = customer, ctx.now
    if payment_method is not None:
        card.payment_method = payment_method
    ctx.session.flush()


def charge_saved_card(ctx: FlowContext, user: SiteUser, shortfall: int) -> bool:
    """An auto-renewal the balance cannot pay: charge the user's saved card off-session
    for what is missing (at least MIN_CHARGE), unless such a charge is under way. The
    renewal is tried again once the charge is credited (``_renew_again``)."""
    card = ctx.session.scalars(select(SiteSavedCard).where(
        SiteSavedCard.user_id == user.id, SiteSavedCard.payment_method.is_not(None))
        .order_by(SiteSavedCard.updated_at.desc())).first()
    if card is None or shortfall <= 0:
        return False
    under_way = ctx.session.scalars(select(SitePayment.id).where(
        SitePayment.user_id == user.id, SitePayment.purpose == "auto_renew",
        SitePayment.status.in_(("created", "pending")))).first()
    if under_way is None:
        create(ctx, user, card.provider, max(shortfall, MIN_CHARGE), purpose="auto_renew")
    return True


def record_failure(ctx: FlowContext, payment_id: int, error: str) -> None:
    """The provider refused to make the checkout: the payment cannot be paid."""
    ctx.session.execute(update(SitePayment).where(
        SitePayment.id == payment_id, SitePayment.status == "created").values(
        status="failed", error=error[:2000]).execution_options(synchronize_session=False))


def request_refund(ctx: FlowContext, payment_id: int, amount: int | None,
                   refundable: tuple[str, ...]) -> SitePayment:
    """An operator's refund of ``amount`` (None: all that is left) queued for the provider;
    the account is debited when the provider's verified refund event arrives, as for a
    refund made in the provider's dashboard."""
    payment = ctx.session.scalars(select(SitePayment).where(SitePayment.id == payment_id)
                                  .with_for_update()).first()
    if payment is None:
        raise NotFound(f"no payment {payment_id}")
    if payment.provider not in refundable:
        raise InvalidInput(f"{payment.provider} refunds are made in its own dashboard; its "
                           "refund event then takes the money back here")
    left = payment.received - payment.reversed
    amount = left if amount is None else amount
    if payment.provider_payment is None or left <= 0:
        raise Conflict(f"payment {payment_id} has nothing to refund")
    if type(amount) is not int or not 0 < amount <= left:
        raise InvalidInput(f"the refund must be 1 to {left} minor units", field="amount")
    emit(ctx, REFUND_EVENT, {"payment_id": payment.id, "amount": amount,
                             "key": f"pyrar-refund-{payment.id}-{secrets.token_hex(8)}"})
    log.info("payment %d: a refund of %d %s queued", payment.id, amount, payment.currency)
    return payment


def apply(ctx: FlowContext, event: VerifiedEvent, max_overpayment_percent: int) -> Outcome:
    payment = _match(ctx, event)
    if payment is None:
        return Outcome("ignored", "no payment of ours matches it")
    if event.provider_ref and payment.provider_ref not in (None, event.provider_ref):
        return Outcome("ignored", f"it names checkout {event.provider_ref}, payment "
                       f"{payment.id} is {payment.provider_ref}", payment_id=payment.id)
    if event.kind in ("paid", "refunded", "disputed", "dispute_won") and (
            event.currency is None or event.currency.upper() != payment.currency):
        return Outcome("ignored", f"its currency is {event.currency}, payment {payment.id} "
                       f"is in {payment.currency}", payment_id=payment.id)
    if event.kind == "paid":
        change = _paid(ctx, payment, event, max_overpayment_percent)
    elif event.kind in ("refunded", "disputed"):
        change = _taken_back(ctx, payment, event)
    elif event.kind == "dispute_won":
        change = max(0, min(event.amount or 0, _held_by_disputes(ctx, payment)))
    elif event.kind == "approved":
        change = 0
    elif event.kind == "failed":
        if payment.status in ("created", "pending"):
            payment.status = "failed"
        return Outcome("noted", "the provider says the payment failed", payment_id=payment.id)
    else:
        return Outcome("ignored", f"{event.type} is not an event we act on",
                       payment_id=payment.id)
    if not _first_time(ctx, event, payment, change):
        return Outcome("duplicate", "this event was applied already", payment_id=payment.id)
    if event.provider_ref and payment.provider_ref is None:
        payment.provider_ref = event.provider_ref  # the webhook came before we noted it
    if event.provider_payment:
        payment.provider_payment = event.provider_payment
    return _move(ctx, payment, event, change)


def _match(ctx: FlowContext, event: VerifiedEvent) -> SitePayment | None:
    """The payment the event is about, locked: by our id, else by the provider's checkout,
    else by what refunds and disputes name."""
    stmt = select(SitePayment).where(SitePayment.provider == event.provider)
    if event.payment_id is not None:
        stmt = stmt.where(SitePayment.id == event.payment_id)
    elif event.provider_ref:
        stmt = stmt.where(SitePayment.provider_ref == event.provider_ref)
    elif event.provider_payment:
        stmt = stmt.where(SitePayment.provider_payment == event.provider_payment)
    else:
        return None
    return ctx.session.scalars(stmt.with_for_update().execution_options(
        populate_existing=True)).first()


def _paid(ctx: FlowContext, payment: SitePayment, event: VerifiedEvent,
          max_overpayment_percent: int) -> int:
    cap = payment.amount + payment.amount * max_overpayment_percent // 100
    total = max(0, event.amount or 0)
    if total > cap:
        # the rest is the operator's to return (docs/payments.md)
        log.warning(
            "payment %d: %s received %d, above the %d it may credit: %d left to return",
            payment.id, event.provider, total, cap, total - cap)
        total = cap
    return max(0, total - payment.received)


def _taken_back(ctx: FlowContext, payment: SitePayment, event: VerifiedEvent) -> int:
    amount = max(0, event.amount or 0)
    if event.cumulative:
        amount -= payment.reversed
    return max(0, min(amount, payment.received - payment.reversed))


def _held_by_disputes(ctx: FlowContext, payment: SitePayment) -> int:
    """What disputes took from the payment and have not given back (a won dispute returns
    its own money, never a refund's)."""
    moved = ctx.session.execute(select(func.coalesce(func.sum(SitePaymentEvent.amount), 0))
                                .where(SitePaymentEvent.payment_id == payment.id,
                                       SitePaymentEvent.kind.in_(("disputed", "dispute_won")))
                                ).scalar_one()
    return -int(moved)


def _first_time(ctx: FlowContext, event: VerifiedEvent, payment: SitePayment,
                change: int) -> bool:
    """Write the event's row; False when it is there already (the unique constraint, also
    against a delivery racing this one)."""
    signed = -change if event.kind in ("refunded", "disputed") else change
    try:
        with ctx.session.begin_nested():
            ctx.session.add(SitePaymentEvent(
                provider=event.provider, event_id=event.event_id[:191], payment_id=payment.id,
                kind=event.kind, amount=signed, currency=payment.currency,
                received_at=ctx.now))
            ctx.session.flush()
    except IntegrityError:
        return False
    return True


def _move(ctx: FlowContext, payment: SitePayment, event: VerifiedEvent, change: int
          ) -> Outcome:
    user = ctx.session.get(SiteUser, payment.user_id)
    where = f"{payment.provider} " + "/".join(dict.fromkeys(
        r for r in (payment.provider_ref, payment.provider_payment) if r))
    amount_text = f"{format_amount(change, payment.currency)} {payment.currency}"
    if event.kind == "approved":
        if payment.status in ("created", "pending"):
            emit(ctx, CAPTURE_EVENT, {"payment_id": payment.id})
            return Outcome("capture", "approved by the payer: capture queued",
                           payment_id=payment.id)
        return Outcome("noted", f"approved, but the payment is {payment.status}",
                       payment_id=payment.id)
    if event.kind == "paid" and event.customer and event.payment_method:
        # also from an event that moves nothing: a Checkout Session's PaymentIntent, whose
        # session's own event may have credited first
        save_card(ctx, user.id, payment.provider, event.customer, event.payment_method)
    if change == 0:
        return Outcome("noted", "nothing more to move", payment_id=payment.id)
    if event.kind in ("paid", "dispute_won"):
        ledger.credit(ctx.session, user.id, change, ctx.now, "payment",
                      f"payment {payment.id} by {where}"
                      if event.kind == "paid" else f"dispute won: payment {payment.id}, {where}")
        if event.kind == "paid":
            payment.received += change
            payment.status = "paid" if payment.received >= payment.amount else "partial"
            payment.paid_at = payment.paid_at or ctx.now
            if payment.purpose == "auto_renew":
                _renew_again(ctx, user.id)
            if payment.purpose == "order" and payment.status == "paid":
                emit(ctx, ORDER_EVENT, {"payment_id": payment.id})
        else:
            payment.reversed -= change
            payment.status = "paid" if payment.received >= payment.amount else "partial"
        mail.send(ctx, user, "payment_received", payment_id=payment.id, provider=where,
                  amount=format_amount(change, payment.currency), currency=payment.currency,
                  balance=format_amount(_balance(ctx, user.id), payment.currency))
        return Outcome("credited", amount_text, change, payment.id)
    what = "refund" if event.kind == "refunded" else "dispute"
    ledger.take_back(ctx.session, user.id, change, ctx.now, what,
                     f"{what}: payment {payment.id} by {where}")
    payment.reversed += change
    if payment.reversed >= payment.received:
        payment.status = "refunded"
    mail.send(ctx, user, "payment_reversed", payment_id=payment.id, provider=where,
              what=what, amount=format_amount(change, payment.currency),
              currency=payment.currency,
              balance=format_amount(_balance(ctx, user.id), payment.currency))
    return Outcome("debited", f"{what} {amount_text}", -change, payment.id)


def _renew_again(ctx: FlowContext, user_id: int) -> None:
    """The user's auto-renewals that failed for want of money are tried at the next round
    of the lifecycle, not a day later."""
    ctx.session.execute(update(SiteDomain).where(
        SiteDomain.user_id == user_id, SiteDomain.renew_failed_at.is_not(None))
        .values(renew_failed_at=None).execution_options(synchronize_session=False))


def _balance(ctx: FlowContext, user_id: int) -> int:
    return ctx.session.execute(select(SiteUser.balance).where(SiteUser.id == user_id)
                               ).scalar_one()


def view(payment: SitePayment) -> PaymentView:
    c = payment.currency
    return PaymentView(payment.id, payment.provider, payment.purpose, payment.status,
                       Money(payment.amount, c), Money(payment.received, c),
                       Money(payment.reversed, c), payment.checkout_url,
                       payment.created_at, payment.paid_at, payment.error, payment.order_id)
