"""PayPal: Orders v2 (created with our payment id as ``custom_id``; captured once the payer
approved, which a webhook says), webhooks verified by signature: RSA-SHA256 over
``transmission_id|transmission_time|webhook_id|crc32(body)`` with the certificate of
``PAYPAL-CERT-URL`` (paypal_certs: allow-listed host, chain checked)."""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
import zlib
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from registry.errors import EppError
from registry.money import format_amount, parse_amount

from .config import PayPalSettings
from .paypal_certs import PayPalCertificates
from .transport import call_json
from .values import (
    Checkout,
    CheckoutRequest,
    ProviderRefused,
    RefundRequest,
    Refused,
    VerifiedEvent,
    our_id,
)

NAME = "paypal"
ALGORITHM = "SHA256withRSA"


class PayPalProvider:
    name = NAME

    def __init__(self, settings: PayPalSettings, certificates: PayPalCertificates,
                 timeout: float = 20.0) -> None:
        self.settings = settings
        self.certificates = certificates
        self.timeout = timeout
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    # -- webhooks ---------------------------------------------------------------------

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> VerifiedEvent:
        names = ("paypal-transmission-id", "paypal-transmission-time",
                 "paypal-transmission-sig", "paypal-cert-url", "paypal-auth-algo")
        missing = [n for n in names if not headers.get(n)]
        if missing:
            raise Refused(f"missing {', '.join(missing)}")
        tid, ttime, sig, cert_url, algo = (headers[n] for n in names)
        if algo != ALGORITHM:
            raise Refused(f"PAYPAL-AUTH-ALGO {algo[:40]!r} is not {ALGORITHM}")
        try:
            sent = datetime.fromisoformat(ttime.replace("Z", "+00:00"))
            age = (now - sent).total_seconds()
        except (ValueError, TypeError):
            raise Refused(f"PAYPAL-TRANSMISSION-TIME {ttime[:40]!r} is not a time") from None
        if abs(age) > self.settings.tolerance_seconds:
            raise Refused(f"stale: sent at {ttime}, {age:.0f} s from now (tolerance "
                          f"{self.settings.tolerance_seconds} s)")
        try:
            signature = base64.b64decode(sig, validate=True)
        except (binascii.Error, ValueError):
            raise Refused("PAYPAL-TRANSMISSION-SIG is not base64") from None
        key = self.certificates.certificate(cert_url, now).public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise Refused("the certificate's key is not RSA")
        try:
            key.verify(signature, signed_message(tid, ttime, self.settings.webhook_id, body),
                       padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise Refused("bad PAYPAL-TRANSMISSION-SIG") from None
        try:
            return parse_event(json.loads(body))
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, EppError) as e:
            raise Refused(f"signed, but not an event we can read: {e}") from None

    # -- calls ------------------------------------------------------------------------

    def checkout(self, request: CheckoutRequest) -> Checkout:
        value = format_amount(request.amount, request.currency)
        answer = self._api("/v2/checkout/orders", f"pyrar-payment-{request.payment_id}", {
            "intent": "CAPTURE",
            "purchase_units": [{
                "custom_id": str(request.payment_id),
                "invoice_id": f"pyrar-{request.payment_id}",
                "description": request.description[:127],
                "amount": {"currency_code": request.currency, "value": value}}],
            "payment_source": {"paypal": {"experience_context": {
                "return_url": request.return_url, "cancel_url": request.cancel_url,
                "user_action": "PAY_NOW", "shipping_preference": "NO_SHIPPING"}}}})
        url = next((link["href"] for link in answer.get("links", [])
                    if link.get("rel") in ("payer-action", "approve")), None)
        if not answer.get("id") or url is None:
            raise ProviderRefused("paypal: the order has no id or approval link")
        return Checkout(answer["id"], url=url)

    def capture(self, order_id: str, payment_id: int) -> None:
        try:
            self._api(f"/v2/checkout/orders/{order_id}/capture",
                      f"pyrar-capture-{payment_id}", None)
        except ProviderRefused as e:
            if "ORDER_ALREADY_CAPTURED" not in str(e):
                raise

    def refund(self, request: RefundRequest) -> None:
        self._api(f"/v2/payments/captures/{request.provider_payment}/refund", request.key,
                  {"amount": {"currency_code": request.currency,
                              "value": format_amount(request.amount, request.currency)}})

    def _api(self, path: str, request_id: str, body: dict | None) -> dict:
        return call_json(self.settings.api_base + path, headers={
            "Authorization": f"Bearer {self._access_token()}",
            "PayPal-Request-Id": request_id, "Prefer": "return=minimal"},
            body=body if body is not None else {}, timeout=self.timeout)

    def _access_token(self) -> str:
        with self._lock:
            if self._token is not None and self._token[1] > time.monotonic():
                return self._token[0]
        basic = base64.b64encode(f"{self.settings.client_id}:{self.settings.client_secret}"
                                 .encode()).decode()
        answer = call_json(self.settings.api_base + "/v1/oauth2/token",
                           headers={"Authorization": f"Basic {basic}",
                                    "Content-Type": "application/x-www-form-urlencoded"},
                           form=b"grant_type=client_credentials", timeout=self.timeout)
        token = answer.get("access_token")
        if not isinstance(token, str):
            raise ProviderRefused("paypal: no access token in the answer")
        lifetime = float(answer.get("expires_in", 300))
        with self._lock:
            self._token = (token, time.monotonic() + max(0.0, lifetime - 60))
        return token


def signed_message(transmission_id: str, transmission_time: str, webhook_id: str,
                   body: bytes) -> bytes:
    """What PayPal signs: the CRC32 of the raw body in decimal."""
    return f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(body)}".encode()


def parse_event(event: dict) -> VerifiedEvent:
    event_type, resource = event["event_type"], event["resource"]
    common = {"provider": NAME, "event_id": event["id"], "type": event_type}
    if event_type == "CHECKOUT.ORDER.APPROVED":
        unit = resource["purchase_units"][0]
        return VerifiedEvent(**common, kind="approved", payment_id=our_id(unit.get("custom_id")),
                             provider_ref=resource["id"])
    if event_type in ("PAYMENT.CAPTURE.COMPLETED", "PAYMENT.CAPTURE.DENIED",
                      "PAYMENT.CAPTURE.DECLINED"):
        kind = "paid" if event_type.endswith("COMPLETED") else "failed"
        order = ((resource.get("supplementary_data") or {}).get("related_ids") or {}
                 ).get("order_id")
        amount, currency = _money(resource.get("amount")) if kind == "paid" else (None, None)
        return VerifiedEvent(**common, kind=kind, payment_id=our_id(resource.get("custom_id")),
                             provider_ref=order, provider_payment=resource["id"],
                             amount=amount, currency=currency)
    if event_type == "PAYMENT.CAPTURE.REFUNDED":
        amount, currency = _money(resource["amount"])
        return VerifiedEvent(**common, kind="refunded", provider_payment=_capture_of(resource),
                             amount=amount, currency=currency, cumulative=False)
    if event_type in ("CUSTOMER.DISPUTE.CREATED", "CUSTOMER.DISPUTE.RESOLVED"):
        amount, currency = _money(resource["dispute_amount"])
        capture = resource["disputed_transactions"][0]["seller_transaction_id"]
        kind = "disputed"
        if event_type.endswith("RESOLVED"):
            won = (resource.get("dispute_outcome") or {}).get("outcome_code")
            kind = "dispute_won" if won == "RESOLVED_SELLER_FAVOUR" else "other"
        return VerifiedEvent(**common, kind=kind, provider_payment=capture, amount=amount,
                             currency=currency, cumulative=False)
    # PAYMENT.CAPTURE.REVERSED follows a dispute the buyer won: the dispute took the money
    return VerifiedEvent(**common, kind="other")


def _money(money: dict) -> tuple[int, str]:
    currency = str(money["currency_code"]).upper()
    return parse_amount(str(money["value"]), currency), currency


def _capture_of(refund: dict) -> str | None:
    """The capture a refund belongs to: its link "up"."""
    for link in refund.get("links", []):
        if link.get("rel") == "up":
            return urlsplit(link["href"]).path.rstrip("/").rsplit("/", 1)[-1]
    return None

