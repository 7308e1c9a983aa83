"""Payments on the registrar core (SQLite and MariaDB: the core suite's database fixture),
with the fake providers on loopback, a local CA for PayPal's certificates, and signers for
each provider's webhooks at the world's clock."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import stripe

from registrar.payments.config import (
    NowPaymentsSettings,
    PaymentSettings,
    PayPalSettings,
    StripeSettings,
)
from registrar.payments.nowpayments import signature
from registrar.payments.service import PaymentService, build_providers
from tests.core.world import START
from tests.payments.fake_providers import Running
from tests.payments.paypal_ca import PayPalCA
from tests.registrar.conftest import core, database, world  # noqa: F401 - shared fixtures

STRIPE_SECRET = "whsec_test_0123456789abcdef"
IPN_SECRET = "ipn-secret-for-tests"
WEBHOOK_ID = "WH-8TEST-0123456789"


@pytest.fixture(scope="module")
def fake():
    running = Running()
    yield running.fake
    running.stop()


@pytest.fixture(scope="session")
def ca() -> PayPalCA:
    return PayPalCA.make(start=START - timedelta(days=30))


def settings_for(url: str, **general) -> PaymentSettings:
    return PaymentSettings(
        stripe=StripeSettings(secret_key="sk_test_pyrar", webhook_secret=STRIPE_SECRET,
                              api_base=url),
        paypal=PayPalSettings(client_id="client", client_secret="secret",
                              webhook_id=WEBHOOK_ID, api_base=url),
        nowpayments=NowPaymentsSettings(api_key="np-key", ipn_secret=IPN_SECRET, api_base=url),
        **general)


@pytest.fixture
def payments(core, fake, ca) -> PaymentService:  # noqa: F811
    fake.calls.clear()
    fake.down = fake.refuse = False
    fake.down_paths = ()
    settings = settings_for(fake.url)
    return PaymentService(core, settings, build_providers(
        settings, paypal_fetcher=lambda url: ca.chain_pem(), paypal_roots=lambda: [ca.root]))


class Signers:
    """Webhooks as each provider sends them, signed at the world's clock."""

    def __init__(self, world, ca: PayPalCA) -> None:  # noqa: F811
        self.world, self.ca = world, ca

    def stripe(self, event_type: str, obj: dict, event_id: str, *, secret: str = STRIPE_SECRET,
               age: float = 0) -> tuple[bytes, dict]:
        body = json.dumps({"id": event_id, "object": "event", "type": event_type,
                           "data": {"object": obj}}, indent=2)
        t = int(self.world.clock.now().timestamp() - age)
        header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=t)
        return body.encode(), {"Stripe-Signature": header}

    def intent(self, event_id: str, payment, amount: int | None = None, currency: str = "usd",
               **extra) -> tuple[bytes, dict]:
        """An off-session PaymentIntent's success (an auto-renewal's charge)."""
        obj = {"id": payment.provider_ref, "object": "payment_intent", "status": "succeeded",
               "amount": payment.amount if amount is None else amount,
               "amount_received": payment.amount if amount is None else amount,
               "currency": currency, "metadata": {"pyrar_payment": str(payment.id)}} | extra
        return self.stripe("payment_intent.succeeded", obj, event_id)

    def session(self, event_id: str, payment, intent: str = "pi_checkout",
                event_type: str = "checkout.session.completed", amount: int | None = None,
                currency: str = "usd", **extra) -> tuple[bytes, dict]:
        """A top-up's Checkout Session, paid (``payment_status``: paid) by ``intent``."""
        obj = {"id": payment.provider_ref, "object": "checkout.session", "mode": "payment",
               "status": "complete", "payment_status": "paid", "payment_intent": intent,
               "amount_total": payment.amount if amount is None else amount,
               "currency": currency, "client_reference_id": str(payment.id),
               "metadata": {"pyrar_payment": str(payment.id)}} | extra
        return self.stripe(event_type, obj, event_id)

    def session_intent(self, event_id: str, payment, intent: str = "pi_checkout",
                       **extra) -> tuple[bytes, dict]:
        """The success of the PaymentIntent a top-up's Checkout Session made."""
        obj = {"id": intent, "object": "payment_intent", "status": "succeeded",
               "amount": payment.amount, "amount_received": payment.amount,
               "currency": "usd", "metadata": {"pyrar_checkout_payment": str(payment.id)}
               } | extra
        return self.stripe("payment_intent.succeeded", obj, event_id)

    def ipn(self, ipn: dict, *, secret: str = IPN_SECRET) -> tuple[bytes, dict]:
        body = json.dumps(ipn, ensure_ascii=False).encode()
        return body, {"x-nowpayments-sig": signature(secret, body)}

    def paypal(self, event_type: str, resource: dict, event_id: str, *,
               webhook_id: str = WEBHOOK_ID, age: float = 0, **kw) -> tuple[bytes, dict]:
        body = json.dumps({"id": event_id, "event_type": event_type,
                           "resource": resource}).encode()
        when = self.world.clock.now() - timedelta(seconds=age)
        return body, self.ca.headers(body, webhook_id, when=when, **kw)


@pytest.fixture
def sign(world, ca) -> Signers:  # noqa: F811
    return Signers(world, ca)


def ipn_for(payment, status: str = "finished", actually_paid: str = "0.0025",
            pay_amount: str = "0.0025", **extra) -> dict:
    """A NowPayments IPN for ``payment`` (an invoice of its amount in BTC)."""
    price = payment.amount / 100
    return {"payment_id": 5077125051, "invoice_id": int(payment.provider_ref),
            "payment_status": status, "pay_address": "bc1qtestaddress",
            "price_amount": price, "price_currency": "usd", "pay_amount": float(pay_amount),
            "actually_paid": float(actually_paid), "pay_currency": "btc",
            "order_id": str(payment.id), "order_description": "Top-up",
            "outcome_amount": 0.0024, "outcome_currency": "btc",
            "fee": {"currency": "btc", "depositFee": 0, "withdrawalFee": 0, "serviceFee": 0}
            } | extra


def stored(world, payment_id: int):  # noqa: F811
    """The payment's row as the database holds it."""
    from registrar.models import SitePayment
    return world.registry.read(lambda s: s.get(SitePayment, payment_id))


def payment_events(world) -> list:  # noqa: F811
    from sqlalchemy import select

    from registrar.models import SitePaymentEvent
    return world.registry.read(lambda s: list(s.scalars(select(SitePaymentEvent))))


def user_with(core, world, amount: int = 0, email: str = "ann@example.net"):  # noqa: F811
    """A verified user with ``amount`` in the account."""
    from tests.registrar.conftest import PASSWORD, mails
    user = core.register(email, PASSWORD)
    core.verify_email(mails(world, "verify")[-1]["values"]["token"])
    if amount:
        core.add_funds(user.id, amount, "test funds")
    return user
