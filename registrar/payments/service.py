"""Payments as the site and the consumer call them: each method one transaction of the
registrar core's (``RegistrarCore.tx``), the provider's calls outside any transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from registry.money import format_amount

from .. import orders
from ..core import RegistrarCore
from ..errors import InvalidInput, NotFound
from ..models import SitePayment
from . import order_payments, rules
from .config import PaymentSettings
from .nowpayments import NowPaymentsProvider
from .paypal import PayPalProvider
from .paypal_certs import PayPalCertificates, system_roots
from .stripe import StripeProvider
from .values import (
    Checkout,
    CheckoutRequest,
    Outcome,
    PaymentView,
    ProviderRefused,
    ProviderUnavailable,
    RefundRequest,
    Refused,
)

log = logging.getLogger("pyrar.payments")
WEBHOOK_PATH = "/api/payments/webhooks/{provider}"


@dataclass(frozen=True)
class WebhookAnswer:
    """What the provider is answered: 200 for every verified event (applied, a duplicate
    or ignored: delivering it again would change nothing), 400 for one we cannot believe
    (we did not take it). A failure of ours is an exception: 5xx, the provider retries."""

    status: int
    text: str


def build_providers(settings: PaymentSettings, *, paypal_fetcher: Callable | None = None,
                    paypal_roots: Callable | None = None) -> dict[str, object]:
    timeout = settings.api_timeout_seconds
    providers: dict[str, object] = {}
    if settings.stripe is not None:
        providers["stripe"] = StripeProvider(settings.stripe, timeout)
    if settings.paypal is not None:
        p = settings.paypal
        if paypal_fetcher is None and p.cert_file:  # test mode (config.py checks)
            paypal_fetcher = _file_fetcher(p.cert_file)
        certs = PayPalCertificates(p.cert_hosts, p.cert_common_name,
                                   paypal_roots or (lambda: system_roots(p.ca_file)),
                                   paypal_fetcher, p.ca_file)
        providers["paypal"] = PayPalProvider(p, certs, timeout)
    if settings.nowpayments is not None:
        providers["nowpayments"] = NowPaymentsProvider(settings.nowpayments, timeout)
    return providers


def _file_fetcher(path: str) -> Callable[[str], bytes]:
    """A sandbox's PayPal certificate: every allowed URL stands for the file."""
    def fetch(url: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as e:
            raise ProviderUnavailable(f"cert_file {path}: {e.strerror or e}") from None
    return fetch


class PaymentService:
    def __init__(self, core: RegistrarCore, settings: PaymentSettings,
                 providers: Mapping[str, object] | None = None) -> None:
        self.core = core
        self.settings = settings
        self.providers = dict(providers if providers is not None else build_providers(settings))

    @property
    def offered(self) -> tuple[str, ...]:
        return tuple(self.providers)

    def _provider(self, name: object):
        provider = self.providers.get(name) if isinstance(name, str) else None
        if provider is None:
            offered = ", ".join(self.providers) or "none is configured"
            raise InvalidInput(f"no payment provider {str(name)[:40]!r} here ({offered})",
                               field="provider")
        return provider

    # -- the user's side --------------------------------------------------------------

    def start(self, user_id: int, provider: object, amount: object) -> PaymentView:
        """A top-up: the payment written with its outbox event, then its checkout."""
        self._provider(provider)
        s = self.settings
        if type(amount) is not int or not s.min_amount <= amount <= s.max_amount:
            c = self.core.currency
            raise InvalidInput(f"the amount must be {format_amount(s.min_amount, c)} to "
                               f"{format_amount(s.max_amount, c)} {c}, in minor units",
                               field="amount")
        payment_id = self.core.tx(lambda ctx: rules.create(
            ctx, self.core._user(ctx, user_id), provider, amount).id, "site_payment")
        return self._checkout_now(user_id, payment_id)

    def _checkout_now(self, user_id: int, payment_id: int) -> PaymentView:
        """A new payment's checkout made at once (if that fails now, the payments consumer
        makes it later)."""
        try:
            self.checkout(payment_id)
        except ProviderUnavailable as e:
            log.warning("payment %d: no checkout yet, the consumer tries again: %s",
                        payment_id, e)
        return self.payment(user_id, payment_id)

    def pay_order(self, user_id: int, provider: object, items: object) -> PaymentView:
        """A cart the balance cannot pay, paid by a provider: a payment for what the balance
        lacks, whose verified event credits the account and then places the order from
        the balance (``place_order``)."""
        self._provider(provider)
        cart = orders.parse_cart(items)
        s, core = self.settings, self.core
        payment_id = core.tx(lambda ctx: order_payments.create(
            ctx, core.backend, core._user(ctx, user_id), provider, cart,
            core.settings.markup_percent, s.min_amount, s.max_amount).id, "site_payment")
        return self._checkout_now(user_id, payment_id)

    def place_order(self, payment_id: int) -> None:
        """Place the order a paid payment is for, once, and carry it out (the webhook that
        credited it calls this at once; the payments consumer otherwise)."""
        core = self.core
        order_id = core.tx(lambda ctx: order_payments.place(
            ctx, core.backend, payment_id, core.settings.markup_percent), "site_order")
        if order_id is not None:
            log.info("payment %d: order %d placed", payment_id, order_id)
            core.process_order(order_id)

    def payment(self, user_id: int, payment_id: int) -> PaymentView:
        def work(ctx):
            payment = ctx.session.get(SitePayment, payment_id)
            if payment is None or payment.user_id != user_id:
                raise NotFound(f"no payment {payment_id}")
            return rules.view(payment)
        return self.core.reads(work)

    def payments(self, user_id: int, limit: int = 50) -> list[PaymentView]:
        return self.core.reads(lambda ctx: [rules.view(p) for p in ctx.session.scalars(
            select(SitePayment).where(SitePayment.user_id == user_id)
            .order_by(SitePayment.id.desc()).limit(limit))])

    # -- the provider's side ----------------------------------------------------------

    def checkout(self, payment_id: int) -> None:
        """Make the payment's checkout at its provider, unless it has one; raises
        ProviderUnavailable when it is worth trying again."""
        payment = self.core.reads(lambda ctx: ctx.session.get(SitePayment, payment_id))
        if payment is None or payment.provider_ref is not None or payment.status != "created":
            return
        provider = self.providers.get(payment.provider)
        if provider is None:
            raise ProviderRefused(f"payment {payment_id}: provider {payment.provider} is no "
                                  "longer configured")
        card = self.core.reads(lambda ctx: rules.saved_card(ctx, payment.user_id,
                                                            payment.provider))
        if payment.purpose == "auto_renew" and (card is None or not card.payment_method):
            raise ProviderRefused(f"payment {payment_id}: the saved card is gone")
        site = self.core.settings.site_url.rstrip("/")
        # an order's payer comes back to the cart page, which follows the order
        back = f"{site}/cart?payment={payment.id}" if payment.purpose == "order" \
            else f"{site}/payments/{payment.id}"
        stripe = self.settings.stripe
        request = CheckoutRequest(
            payment.id, payment.amount, payment.currency,
            f"{'Order' if payment.purpose == 'order' else 'Top-up'}, payment {payment.id}",
            back, back + ("&" if "?" in back else "?") + "cancelled=1",
            site + WEBHOOK_PATH.format(provider=payment.provider), payment.user_id,
            card.customer if card else None,
            save_card=payment.provider == "stripe" and stripe is not None and stripe.save_cards,
            off_session_method=card.payment_method if payment.purpose == "auto_renew" else None)
        try:
            checkout = Checkout(f"test_{payment.id}") if self.settings.test_mode \
                else provider.checkout(request)
        except ProviderRefused as e:
            error = str(e)
            log.error("payment %d: %s refused the checkout: %s", payment_id, payment.provider,
                      error)
            self.core.tx(lambda ctx: rules.record_failure(ctx, payment_id, error),
                         "site_payment_failed")
            return
        self.core.tx(lambda ctx: rules.record_checkout(ctx, payment_id, checkout),
                     "site_payment_checkout")

    def provider_of(self, payment_id: int) -> str | None:
        return self.core.reads(lambda ctx: ctx.session.execute(select(
            SitePayment.provider).where(SitePayment.id == payment_id)).scalar())

    def capture(self, payment_id: int) -> None:
        """PayPal: capture an approved order (its webhook then credits)."""
        payment = self.core.reads(lambda ctx: ctx.session.get(SitePayment, payment_id))
        if payment is None or payment.provider_ref is None or self.settings.test_mode:
            return
        provider = self.providers.get(payment.provider)
        if provider is None or not hasattr(provider, "capture"):
            raise ProviderRefused(f"payment {payment_id}: {payment.provider} cannot capture "
                                  "here")
        provider.capture(payment.provider_ref, payment.id)

    def refund(self, payment_id: int, amount: int | None = None) -> PaymentView:
        """An operator's refund (the console's): asked of the provider through the outbox;
        the provider's verified refund event debits the account."""
        refundable = tuple(n for n, p in self.providers.items() if hasattr(p, "refund"))
        return self.core.tx(lambda ctx: rules.view(rules.request_refund(
            ctx, payment_id, amount, refundable)), "site_payment_refund")

    def send_refund(self, payment_id: int, amount: int, key: str) -> None:
        if self.settings.test_mode:
            log.info("payment %d: test mode, the refund of %d is not sent", payment_id, amount)
            return
        payment = self.core.reads(lambda ctx: ctx.session.get(SitePayment, payment_id))
        provider = self.providers.get(payment.provider) if payment else None
        if provider is None or not hasattr(provider, "refund"):
            raise ProviderRefused(f"payment {payment_id}: its provider cannot refund here")
        provider.refund(RefundRequest(payment.id, payment.provider_payment, amount,
                                      payment.currency, key))

    def webhook(self, provider_name: str, headers: Mapping[str, str], body: bytes
                ) -> WebhookAnswer:
        provider = self.providers.get(provider_name)
        if provider is None:
            log.warning("webhook for %s refused: that provider is not configured",
                        provider_name[:40])
            return WebhookAnswer(404, "no such payment provider here")
        now = self.core.registry.clock.now()
        try:
            event = provider.verify({k.lower(): v for k, v in headers.items()}, body, now)
        except Refused as e:
            log.warning("%s webhook refused, nothing changed: %s", provider_name, e.reason)
            return WebhookAnswer(400, f"refused: {e.reason}")
        outcome: Outcome = self.core.tx(lambda ctx: rules.apply(
            ctx, event, self.settings.max_overpayment_percent), "site_payment_event")
        level = logging.INFO if outcome.result in ("credited", "debited", "capture",
                                                   "noted") else logging.WARNING
        log.log(level, "%s event %s (%s) for payment %s: %s%s", provider_name, event.event_id,
                event.type, outcome.payment_id, outcome.result,
                f" ({outcome.reason})" if outcome.reason else "")
        if outcome.result == "capture":
            try:
                self.capture(outcome.payment_id)
            except (ProviderUnavailable, ProviderRefused) as e:
                log.warning("payment %s: capture left to the consumer: %s",
                            outcome.payment_id, e)
        if outcome.result == "credited":
            try:
                self.place_order(outcome.payment_id)
            except Exception:  # committed already: the consumer's payment.order retries it
                log.exception("payment %s: its order is left to the consumer",
                              outcome.payment_id)
        return WebhookAnswer(200, outcome.result)
