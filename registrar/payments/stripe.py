"""Stripe: top-ups by Checkout Sessions (the payer is sent to Stripe's own page and back:
no Stripe script on our pages, card data never reaches us), auto-renewals by PaymentIntents
charged off-session to a saved card; webhooks verified with the official ``stripe``
package's ``Stripe-Signature`` verifier (HMAC-SHA256 over ``t.body``), the timestamp held to
``tolerance_seconds`` of our clock."""

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
# the PaymentIntent a Checkout Session makes carries our payment id under this key instead:
# its events then name no checkout of ours (the session is the checkout), only the payment
CHECKOUT_PI_KEY = "pyrar_checkout_payment"
SESSION_PAID = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
SESSION_FAILED = ("checkout.session.async_payment_failed", "checkout.session.expired")


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
        """Made once per payment (the idempotency key): a Checkout Session whose page the
        payer is sent to (Stripe sends them back to ``return_url`` or ``cancel_url``), or,
        with ``off_session_method``, a PaymentIntent confirmed now on the saved card (an
        auto-renewal, the user away)."""
        customer = request.customer
        if customer is None and (request.save_card or request.off_session_method):
            customer = self._call(lambda: self.client.v1.customers.create(
                params={"metadata": {"pyrar_user": str(request.user_id)}},
                options={"idempotency_key": f"pyrar-customer-{request.user_id}"})).id
        key = {"idempotency_key": f"pyrar-payment-{request.payment_id}"}
        ours = str(request.payment_id)
        if request.off_session_method:
            intent = self._call(lambda: self.client.v1.payment_intents.create(params={
                "amount": request.amount, "currency": request.currency.lower(),
                "metadata": {METADATA_KEY: ours}, "customer": customer,
                "payment_method": request.off_session_method, "off_session": True,
                "confirm": True}, options=key))
            return Checkout(intent.id, customer=customer)
        intent_data: dict = {"metadata": {CHECKOUT_PI_KEY: ours},
                             "description": request.description}
        if request.save_card:
            intent_data["setup_future_usage"] = "off_session"
        params: dict = {
            "mode": "payment", "client_reference_id": ours, "metadata": {METADATA_KEY: ours},
            "line_items": [{"quantity": 1, "price_data": {
                "currency": request.currency.lower(), "unit_amount": request.amount,
                "product_data": {"name": request.description}}}],
            "payment_intent_data": intent_data,
            "success_url": request.return_url, "cancel_url": request.cancel_url}
        if customer is not None:
            params["customer"] = customer
        session = self._call(lambda: self.client.v1.checkout.sessions.create(
            params=params, options=key))
        if not session.url:
            raise ProviderRefused(f"stripe: checkout session {session.id} has no url")
        return Checkout(session.id, url=session.url, customer=customer)

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
    if event_type.startswith("checkout.session."):
        return _session_event(common, obj, currency)
    if event_type.startswith("payment_intent."):
        metadata = obj.get("metadata") or {}
        if metadata.get(CHECKOUT_PI_KEY) is not None:
            # a Checkout Session's PaymentIntent: the session's own events credit; this one
            # tells the card it saved, and credits only if it comes first (the same total).
            # A declined card fails no payment: the payer may try another on the session's
            # page, whose own events tell when it expired or failed
            ours, checkout = metadata.get(CHECKOUT_PI_KEY), None
            kind = "other" if kind == "failed" else kind
        else:
            ours, checkout = metadata.get(METADATA_KEY), obj["id"]
        amount = obj.get("amount_received") or obj.get("amount")
        return VerifiedEvent(**common, kind=kind, payment_id=our_id(ours),
                             provider_ref=checkout, provider_payment=obj["id"],
                             amount=amount, currency=currency,
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


def _session_event(common: dict, session: dict, currency: str | None) -> VerifiedEvent:
    """A Checkout Session's event: paid when the session says the money is there (a card at
    once; a delayed method by ``async_payment_succeeded``), failed when it expired or the
    delayed payment failed."""
    event_type = common["type"]
    if event_type in SESSION_PAID and session.get("payment_status") == "paid":
        kind = "paid"
    elif event_type in SESSION_FAILED:
        kind = "failed"
    else:
        kind = "other"  # completed, the money still on its way (a delayed method)
    ours = (session.get("metadata") or {}).get(METADATA_KEY, session.get("client_reference_id"))
    return VerifiedEvent(**common, kind=kind, payment_id=our_id(ours),
                         provider_ref=session["id"],
                         provider_payment=_id(session.get("payment_intent")),
                         amount=session.get("amount_total"), currency=currency,
                         customer=_id(session.get("customer")))


def _id(value: object) -> str | None:
    """An expandable field: its id, whether Stripe sent the id or the object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None
