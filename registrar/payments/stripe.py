"""Stripe: PaymentIntents (the site confirms them with Stripe.js: card data never reaches
us), webhooks verified with the official ``stripe`` package's ``Stripe-Signature`` verifier
(HMAC-SHA256 over ``t.body``), the timestamp held to ``tolerance_seconds`` of our clock."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

import stripe

from .config import StripeSettings
from .values import (
    Checkout,
    CheckoutRequest,
    ProviderRefused,
    ProviderUnavailable,
    RefundRequest,
    Refused,
    VerifiedEvent,
    our_id,
)

NAME = "stripe"
METADATA_KEY = "pyrar_payment"


class StripeProvider:
    name = NAME

    def __init__(self, settings: StripeSettings, timeout: float = 20.0) -> None:
        self.settings = settings
        self.timeout = timeout
        self._client: stripe.StripeClient | None = None

    @property
    def client(self) -> stripe.StripeClient:
        if self._client is None:
            self._client = stripe.StripeClient(
                self.settings.secret_key, base_addresses={"api": self.settings.api_base},
                max_network_retries=0,
                http_client=stripe.RequestsClient(timeout=self.timeout))
        return self._client

    # -- webhooks ---------------------------------------------------------------------

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> VerifiedEvent:
        header = headers.get("stripe-signature")
        if not header:
            raise Refused("no Stripe-Signature header")
        try:
            text = body.decode("utf-8")
            # the signature by the official verifier; the timestamp against our clock below
            stripe.WebhookSignature.verify_header(text, header, self.settings.webhook_secret,
                                                  tolerance=None)
        except UnicodeDecodeError:
            raise Refused("the body is not UTF-8") from None
        except stripe.SignatureVerificationError as e:
            raise Refused(f"bad Stripe-Signature: {e.user_message or e}") from None
        except (ValueError, IndexError):
            raise Refused("malformed Stripe-Signature header") from None
        signed = _timestamp(header)
        age = (now - signed).total_seconds()
        if abs(age) > self.settings.tolerance_seconds:
            raise Refused(f"stale: signed at {signed.isoformat()}, {age:.0f} s from now "
                          f"(tolerance {self.settings.tolerance_seconds} s)")
        try:
            event = json.loads(text)
            return parse_event(event)
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise Refused(f"signed, but not an event we can read: {e}") from None

    # -- calls ------------------------------------------------------------------------

    def checkout(self, request: CheckoutRequest) -> Checkout:
        """A PaymentIntent for the amount, made once per payment (the idempotency key): for
        the site to confirm with Stripe.js, or, with ``off_session_method``, confirmed now
        on the saved card (an auto-renewal)."""
        params: dict = {"amount": request.amount, "currency": request.currency.lower(),
                        "metadata": {METADATA_KEY: str(request.payment_id)}}
        customer = request.customer
        if customer is None and (request.save_card or request.off_session_method):
            customer = self._call(lambda: self.client.v1.customers.create(
                params={"metadata": {"pyrar_user": str(request.user_id)}},
                options={"idempotency_key": f"pyrar-customer-{request.user_id}"})).id
        if customer is not None:
            params["customer"] = customer
        if request.off_session_method:
            params |= {"payment_method": request.off_session_method, "off_session": True,
                       "confirm": True}
        elif request.save_card:
            params["setup_future_usage"] = "off_session"
        intent = self._call(lambda: self.client.v1.payment_intents.create(
            params=params, options={"idempotency_key": f"pyrar-payment-{request.payment_id}"}))
        return Checkout(intent.id, client_secret=intent.client_secret, customer=customer)

    def refund(self, request: RefundRequest) -> None:
        self._call(lambda: self.client.v1.refunds.create(
            params={"payment_intent": request.provider_payment, "amount": request.amount},
            options={"idempotency_key": request.key}))

    @staticmethod
    def _call(call):
        try:
            return call()
        except (stripe.APIConnectionError, stripe.RateLimitError) as e:
            raise ProviderUnavailable(f"stripe: {e.user_message or e}") from None
        except stripe.StripeError as e:
            status = e.http_status or 0
            if status >= 500 or status in (409, 429):
                raise ProviderUnavailable(f"stripe: HTTP {status} {e.user_message or e}"
                                          ) from None
            raise ProviderRefused(f"stripe: HTTP {status} {e.user_message or e}") from None


def _timestamp(header: str) -> datetime:
    t = next(part.split("=", 1)[1] for part in header.split(",") if part.startswith("t="))
    return datetime.fromtimestamp(int(t), UTC)


def parse_event(event: dict) -> VerifiedEvent:
    """A verified Stripe event as the rules read it."""
    kind_of = {"payment_intent.succeeded": "paid", "payment_intent.canceled": "failed",
               "payment_intent.payment_failed": "failed",
               "charge.refunded": "refunded", "charge.dispute.created": "disputed"}
    event_type, obj = event["type"], event["data"]["object"]
    kind = kind_of.get(event_type, "other")
    common = {"provider": NAME, "event_id": event["id"], "type": event_type}
    currency = str(obj.get("currency", "")).upper() or None
    if event_type.startswith("payment_intent."):
        ours = (obj.get("metadata") or {}).get(METADATA_KEY)
        amount = obj.get("amount_received") or obj.get("amount")
        return VerifiedEvent(**common, kind=kind, payment_id=our_id(ours), provider_ref=obj["id"],
                             provider_payment=obj["id"], amount=amount, currency=currency,
                             customer=_id(obj.get("customer")),
                             payment_method=_id(obj.get("payment_method")))
    if event_type == "charge.refunded":
        return VerifiedEvent(**common, kind=kind, provider_payment=obj.get("payment_intent"),
                             amount=obj.get("amount_refunded"), currency=currency)
    if event_type.startswith("charge.dispute."):
        if event_type == "charge.dispute.closed" and obj.get("status") == "won":
            kind = "dispute_won"
        return VerifiedEvent(**common, kind=kind, provider_payment=obj.get("payment_intent"),
                             amount=obj.get("amount"), currency=currency, cumulative=False)
    return VerifiedEvent(**common, kind="other")



def _id(value: object) -> str | None:
    """An expandable field: its id, whether Stripe sent the id or the object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None
