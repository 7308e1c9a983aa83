"""Each provider's signature scheme on its own (no database): test vectors, and every way an
event is refused: forged, tampered, stale, from the wrong host or the wrong CA."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
import stripe

from registrar.payments.config import NowPaymentsSettings, PayPalSettings, StripeSettings
from registrar.payments.nowpayments import NowPaymentsProvider, canonical_json, load, signature
from registrar.payments.paypal import PayPalProvider, signed_message
from registrar.payments.paypal_certs import PayPalCertificates
from registrar.payments.stripe import StripeProvider
from registrar.payments.values import Refused
from tests.payments.paypal_ca import CERT_URL, PayPalCA

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SECRET = "whsec_vector"

# -- NowPayments ---------------------------------------------------------------------------

# nested objects and arrays, non-ASCII text (raw and \u-escaped), numbers written as a
# JavaScript sender writes them (1e-7, 10.10 are not what Python's floats print)
IPN = ('{"payment_status":"finished","payment_id":5077125051,"price_amount":10.10,'
       '"actually_paid":1e-7,"order_description":"Caf\\u00e9 \u2713 \u540d\u524d",'
       '"fee":{"serviceFee":0,"currency":"btc"},"list":[{"b":1,"a":[2,{"d":null,"c":true}]}]}'
       ).encode()
CANONICAL = ('{"actually_paid":1e-7,"fee":{"currency":"btc","serviceFee":0},'
             '"list":[{"a":[2,{"c":true,"d":null}],"b":1}],'
             '"order_description":"Caf\u00e9 \u2713 \u540d\u524d","payment_id":5077125051,'
             '"payment_status":"finished","price_amount":10.10}')


def test_nowpayments_vector_sorts_every_level_and_keeps_text_and_numbers():
    assert canonical_json(load(IPN)) == CANONICAL
    expected = hmac.new(b"ipn-key", CANONICAL.encode("utf-8"), hashlib.sha512).hexdigest()
    assert signature("ipn-key", IPN) == expected


def test_naive_nowpayments_serialisations_do_not_match():
    data = json.loads(IPN)
    escaped = json.dumps(data, sort_keys=True, separators=(",", ":"))  # \u escapes
    top_level_only = json.dumps({k: data[k] for k in sorted(data)}, separators=(",", ":"),
                                ensure_ascii=False)  # nested keys unsorted
    for naive in (escaped, top_level_only):
        assert naive != CANONICAL
        forged = hmac.new(b"ipn-key", naive.encode(), hashlib.sha512).hexdigest()
        assert forged != signature("ipn-key", IPN)


def nowpayments() -> NowPaymentsProvider:
    return NowPaymentsProvider(NowPaymentsSettings(api_key="k", ipn_secret="ipn-key"))


def test_nowpayments_ipn_verified_and_refused():
    ipn = {"payment_id": 1, "invoice_id": 7, "payment_status": "finished",
           "price_amount": 10.5, "price_currency": "usd", "pay_amount": 0.5,
           "actually_paid": 0.25, "order_id": "42"}
    body = json.dumps(ipn).encode()
    event = nowpayments().verify({"x-nowpayments-sig": signature("ipn-key", body)}, body, NOW)
    # half of it arrived: 5.25 USD at the invoice's rate
    assert (event.kind, event.amount, event.currency, event.payment_id, event.provider_ref,
            event.event_id) == ("paid", 525, "USD", 42, "7", "1:finished:0.25")
    for headers, text in (({}, body), ({"x-nowpayments-sig": "00" * 64}, body),
                          ({"x-nowpayments-sig": signature("other", body)}, body),
                          ({"x-nowpayments-sig": signature("ipn-key", body)},
                           body.replace(b"0.25", b"0.50")),
                          ({"x-nowpayments-sig": "x"}, b"not json")):
        with pytest.raises(Refused):
            nowpayments().verify(headers, text, NOW)


# -- Stripe --------------------------------------------------------------------------------

def stripe_provider() -> StripeProvider:
    return StripeProvider(StripeSettings(secret_key="sk", webhook_secret=SECRET))


STRIPE_EVENT = json.dumps({"id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
                           "data": {"object": {"id": "pi_1", "amount": 1234,
                                               "amount_received": 1234, "currency": "eur",
                                               "metadata": {"pyrar_payment": "9"}}}})


def stripe_header(body: str = STRIPE_EVENT, secret: str = SECRET, at: datetime = NOW) -> str:
    return stripe.WebhookSignature.generate_signature_header(body, secret,
                                                             timestamp=int(at.timestamp()))


def test_stripe_vector():
    """Stripe's scheme by hand: HMAC-SHA256 of "t.body" with the whole whsec_ secret."""
    t = int(NOW.timestamp())
    mac = hmac.new(SECRET.encode(), f"{t}.{STRIPE_EVENT}".encode(), hashlib.sha256).hexdigest()
    event = stripe_provider().verify({"stripe-signature": f"t={t},v1={mac}"},
                                     STRIPE_EVENT.encode(), NOW)
    assert (event.kind, event.amount, event.currency, event.payment_id, event.provider_ref) \
        == ("paid", 1234, "EUR", 9, "pi_1")
    # any one matching v1 of several passes (Stripe signs with each secret during a roll)
    header = f"t={t},v1={'0' * 64},v1={mac}"
    assert stripe_provider().verify({"stripe-signature": header}, STRIPE_EVENT.encode(),
                                    NOW).event_id == "evt_1"


@pytest.mark.parametrize("headers, body, reason", [
    ({}, STRIPE_EVENT, "no Stripe-Signature"),
    ({"stripe-signature": stripe_header(secret="whsec_other")}, STRIPE_EVENT, "bad"),
    ({"stripe-signature": stripe_header()}, STRIPE_EVENT.replace("1234", "9999"), "bad"),
    ({"stripe-signature": stripe_header(at=NOW - timedelta(seconds=301))}, STRIPE_EVENT,
     "stale"),
    ({"stripe-signature": stripe_header(at=NOW + timedelta(seconds=301))}, STRIPE_EVENT,
     "stale"),
    ({"stripe-signature": "garbage"}, STRIPE_EVENT, "Unable to extract"),
    ({"stripe-signature": "t=abc,v1=00"}, STRIPE_EVENT, "Unable to extract"),
    ({"stripe-signature": stripe_header("[]")}, "[]", "not an event"),
])
def test_stripe_refusals(headers, body, reason):
    with pytest.raises(Refused, match=reason):
        stripe_provider().verify(headers, body.encode(), NOW)


# -- PayPal --------------------------------------------------------------------------------

WEBHOOK_ID = "WH-VECTOR"
PAYPAL_EVENT = json.dumps({"id": "WH-1", "event_type": "PAYMENT.CAPTURE.COMPLETED",
                           "resource": {"id": "CAP-1", "custom_id": "12", "amount": {
                               "currency_code": "USD", "value": "10.50"},
                               "supplementary_data": {"related_ids": {"order_id": "O-1"}}}}
                          ).encode()


def test_paypal_signed_message_has_the_crc32_in_decimal():
    assert signed_message("id", "time", "wh", b"hello") == b"id|time|wh|907060870"


@pytest.fixture(scope="module")
def ca() -> PayPalCA:
    return PayPalCA.make(start=NOW - timedelta(days=10))


def paypal(ca: PayPalCA, pem: bytes | None = None, fetched: list | None = None,
           roots=None) -> PayPalProvider:
    settings = PayPalSettings(client_id="c", client_secret="s", webhook_id=WEBHOOK_ID)

    def fetch(url: str) -> bytes:
        if fetched is not None:
            fetched.append(url)
        return pem if pem is not None else ca.chain_pem()
    certs = PayPalCertificates(settings.cert_hosts, settings.cert_common_name,
                               lambda: roots if roots is not None else [ca.root], fetch)
    return PayPalProvider(settings, certs)


def test_paypal_verified_with_the_local_ca(ca):
    fetched: list = []
    provider = paypal(ca, fetched=fetched)
    headers = {k.lower(): v for k, v in ca.headers(PAYPAL_EVENT, WEBHOOK_ID, when=NOW).items()}
    event = provider.verify(headers, PAYPAL_EVENT, NOW)
    assert (event.kind, event.amount, event.currency, event.payment_id, event.provider_ref,
            event.provider_payment) == ("paid", 1050, "USD", 12, "O-1", "CAP-1")
    provider.verify(headers, PAYPAL_EVENT, NOW)
    assert fetched == [CERT_URL]  # fetched once, then kept


@pytest.mark.parametrize("url", [
    "http://api.paypal.com/v1/notifications/certs/CERT-1",
    "https://evil.example/v1/notifications/certs/CERT-1",
    "https://api.paypal.com.evil.example/CERT-1",
    "https://api.paypal.com@evil.example/CERT-1",
    "https://api.paypal.com/v1/oauth2/token",
    "https://api.paypal.com/v1/notifications/certs/CERT-1?redirect=https://evil.example",
])
def test_paypal_certificates_only_from_allowed_hosts(ca, url):
    fetched: list = []
    headers = {k.lower(): v for k, v in ca.headers(PAYPAL_EVENT, WEBHOOK_ID, when=NOW,
                                                   cert_url=url).items()}
    with pytest.raises(Refused, match="not on an allowed PayPal host"):
        paypal(ca, fetched=fetched).verify(headers, PAYPAL_EVENT, NOW)
    assert fetched == []


def test_paypal_refusals(ca):
    good = {k.lower(): v for k, v in ca.headers(PAYPAL_EVENT, WEBHOOK_ID, when=NOW).items()}
    other_ca = PayPalCA.make(start=NOW - timedelta(days=10))
    wrong_name = PayPalCA.make("www.paypal.com", start=NOW - timedelta(days=10))
    expired = PayPalCA.make(start=NOW - timedelta(days=400), days=30)
    cases = [
        (paypal(ca), good, PAYPAL_EVENT.replace(b"10.50", b"99.50"), "bad PAYPAL"),
        (paypal(ca), {**good, "paypal-transmission-sig": "AAAA"}, PAYPAL_EVENT, "bad PAYPAL"),
        (paypal(ca), {**good, "paypal-transmission-sig": "%%%"}, PAYPAL_EVENT, "base64"),
        (paypal(ca), {**good, "paypal-auth-algo": "SHA1withRSA"}, PAYPAL_EVENT, "AUTH-ALGO"),
        (paypal(ca), {k: v for k, v in good.items() if k != "paypal-cert-url"}, PAYPAL_EVENT,
         "missing"),
        # signed for another webhook id
        (paypal(ca), {k.lower(): v for k, v in ca.headers(PAYPAL_EVENT, "WH-OTHER", when=NOW)
                      .items()}, PAYPAL_EVENT, "bad PAYPAL"),
        # sent too long ago
        (paypal(ca), {k.lower(): v for k, v in ca.headers(
            PAYPAL_EVENT, WEBHOOK_ID, when=NOW - timedelta(seconds=400)).items()},
         PAYPAL_EVENT, "stale"),
        # a chain from a CA we do not trust, signed by its own leaf
        (paypal(other_ca, roots=[ca.root]), {k.lower(): v for k, v in other_ca.headers(
            PAYPAL_EVENT, WEBHOOK_ID, when=NOW).items()}, PAYPAL_EVENT, "trusted root"),
        # the trusted CA's chain, but not PayPal's verification name
        (paypal(wrong_name, roots=[wrong_name.root]), {k.lower(): v for k, v in
         wrong_name.headers(PAYPAL_EVENT, WEBHOOK_ID, when=NOW).items()}, PAYPAL_EVENT,
         "not messageverificationcerts"),
        (paypal(expired, roots=[expired.root]), {k.lower(): v for k, v in expired.headers(
            PAYPAL_EVENT, WEBHOOK_ID, when=NOW).items()}, PAYPAL_EVENT, "not valid now"),
        (paypal(ca, pem=b"not a certificate"), good, PAYPAL_EVENT, "PEM"),
        # the leaf alone: its issuer is missing from the chain
        (paypal(ca, pem=ca.chain_pem().split(b"-----END CERTIFICATE-----")[0]
                + b"-----END CERTIFICATE-----\n"), good, PAYPAL_EVENT, "trusted root"),
    ]
    for provider, headers, body, reason in cases:
        with pytest.raises(Refused, match=reason):
            provider.verify(headers, body, NOW)
