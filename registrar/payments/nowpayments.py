"""NowPayments (crypto invoices): IPNs verified by ``x-nowpayments-sig``, the hex HMAC-SHA512
(key: the IPN secret) of the body's JSON re-serialised with keys sorted at every depth,
compact separators, non-ASCII kept as it is and numbers as they were written.

The partial- and overpayment rule (docs/payments.md): a payment is worth what arrived,
valued at the invoice's own rate: ``floor(price_amount * actually_paid / pay_amount)`` in
the site currency's minor units. "partially_paid" credits that much now, "finished" the
rest; the rules cap an overpayment at ``max_overpayment_percent`` above the amount asked."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from registry.money import digits, format_amount

from .config import NowPaymentsSettings
from .transport import call_json
from .values import Checkout, CheckoutRequest, ProviderRefused, Refused, VerifiedEvent, our_id

NAME = "nowpayments"
CREDITING = ("partially_paid", "finished")
FAILED = ("failed", "expired")


class _Number(str):
    """A JSON number as it was written: re-serialised as is (a float would turn 1e-7 into
    1e-07 and 10.10 into 10.1, and the signature would not match)."""


def canonical_json(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical_json(v)
                              for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, _Number):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def load(body: bytes) -> object:
    return json.loads(body, parse_float=_Number, parse_int=_Number)


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), canonical_json(load(body)).encode("utf-8"),
                    hashlib.sha512).hexdigest()


class NowPaymentsProvider:
    name = NAME

    def __init__(self, settings: NowPaymentsSettings, timeout: float = 20.0) -> None:
        self.settings = settings
        self.timeout = timeout

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> VerifiedEvent:
        given = headers.get("x-nowpayments-sig")
        if not given:
            raise Refused("no x-nowpayments-sig header")
        try:
            expected = signature(self.settings.ipn_secret, body)
        except (ValueError, RecursionError):
            raise Refused("the body is not JSON") from None
        if not hmac.compare_digest(expected, given.strip().lower()):
            raise Refused("bad x-nowpayments-sig")
        try:
            return parse_ipn(json.loads(body, parse_float=Decimal, parse_int=Decimal))
        except (KeyError, TypeError, AttributeError, InvalidOperation, ValueError) as e:
            raise Refused(f"signed, but not an IPN we can read: {e}") from None

    def checkout(self, request: CheckoutRequest) -> Checkout:
        answer = call_json(self.settings.api_base + "/v1/invoice", headers={
            "x-api-key": self.settings.api_key}, body={
            "price_amount": float(format_amount(request.amount, request.currency)),
            "price_currency": request.currency.lower(),
            "order_id": str(request.payment_id),
            "order_description": request.description[:200],
            "ipn_callback_url": request.notify_url,
            "success_url": request.return_url, "cancel_url": request.cancel_url},
            timeout=self.timeout)
        if not answer.get("id") or not answer.get("invoice_url"):
            raise ProviderRefused("nowpayments: the invoice has no id or URL")
        return Checkout(str(answer["id"]), url=str(answer["invoice_url"]))


def parse_ipn(ipn: dict) -> VerifiedEvent:
    status = str(ipn["payment_status"])
    payment = str(ipn["payment_id"])
    paid = ipn.get("actually_paid") or Decimal(0)
    common = {"provider": NAME, "type": f"payment {status}",
              # no event id in an IPN: the payment, its status and what arrived identify it
              "event_id": f"{payment}:{status}:{paid}",
              "payment_id": our_id(str(ipn.get("order_id", ""))),
              "provider_ref": str(ipn["invoice_id"]) if ipn.get("invoice_id") else None,
              "provider_payment": payment}
    currency = str(ipn.get("price_currency", "")).upper()
    if status in CREDITING:
        return VerifiedEvent(**common, kind="paid", currency=currency,
                             amount=received_value(ipn["price_amount"], ipn["pay_amount"],
                                                   paid, currency))
    if status == "refunded":
        return VerifiedEvent(**common, kind="refunded", currency=currency,
                             amount=received_value(ipn["price_amount"], ipn["pay_amount"],
                                                   paid, currency))
    if status in FAILED:
        return VerifiedEvent(**common, kind="failed")
    return VerifiedEvent(**common, kind="other")


def received_value(price_amount: Decimal, pay_amount: Decimal, actually_paid: Decimal,
                   currency: str) -> int:
    """What arrived, in minor units of the invoice's currency, at the invoice's rate."""
    price, asked, paid = (Decimal(str(v)) for v in (price_amount, pay_amount, actually_paid))
    if asked <= 0 or paid <= 0:
        return 0
    minor = price.scaleb(digits(currency)) * paid / asked
    return int(minor.to_integral_value(rounding=ROUND_FLOOR))
