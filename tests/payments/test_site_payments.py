"""Through the running site (``pyrar web serve``, SQLite and MariaDB): a user tops up by
Stripe Checkout against the local stand-in (the Checkout Session made by the site, paid on
the stand-in's page, its signed webhooks crediting the account once) and pays an order with
it; a NowPayments top-up credited by a signed IPN, once; forged, oversized and
unknown-provider webhooks refused. Every provider is on loopback; secrets come from the
environment and a file."""

from __future__ import annotations

import json
import secrets
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from stripe import WebhookSignature as stripe_signer

from registrar.payments.nowpayments import signature
from tests.payments.conftest import IPN_SECRET, STRIPE_SECRET
from tests.payments.fake_providers import Running
from tests.payments.paypal_ca import PayPalCA
from tests.webui.api_client import ApiClient
from tests.webui.conftest import running_site
from tests.webui.test_api_journeys import new_user


@pytest.fixture(scope="module")
def paypal_ca() -> PayPalCA:
    return PayPalCA.make()


@pytest.fixture(scope="module")
def providers(tmp_path_factory, paypal_ca):
    """The fake Stripe (Checkout), PayPal and NowPayments APIs; PayPal's certificate host
    (https with a certificate from the local CA, serving the chain that signs its
    webhooks)."""
    fake = Running()
    certs = Running(tls=paypal_ca.loopback_tls(tmp_path_factory.mktemp("tls")))
    certs.fake.cert_chain = paypal_ca.chain_pem()
    yield fake, certs
    for running in (fake, certs):
        running.stop()


@pytest.fixture(scope="module", params=["sqlite", "mariadb"])
def site(request, tmp_path_factory, sqlite_template, providers, paypal_ca):
    fake = providers[0].fake
    directory = tmp_path_factory.mktemp("paying")
    (directory / "ipn-secret").write_text(IPN_SECRET + "\n")
    paypal_ca.write_root(directory / "paypal-root.pem")
    extra = f"""
[payments]
min_amount = 100
[payments.stripe]
api_base = "{fake.url}"
[payments.paypal]
client_id = "client"
webhook_id = "{PAYPAL_WEBHOOK}"
api_base = "{fake.url}"
cert_hosts = ["127.0.0.1"]
ca_file = "paypal-root.pem"
[payments.nowpayments]
api_base = "{fake.url}"
ipn_secret_file = "ipn-secret"
"""
    env = {"PYRAR_PAYMENTS_STRIPE_SECRET_KEY": "sk_test_site",
           "PYRAR_PAYMENTS_STRIPE_WEBHOOK_SECRET": STRIPE_SECRET,
           "PYRAR_PAYMENTS_NOWPAYMENTS_API_KEY": "np-key",
           "PYRAR_PAYMENTS_PAYPAL_CLIENT_SECRET": "paypal-secret"}
    with running_site(directory, request.param, sqlite_template, extra, env) as running:
        fake.checkout.webhook_url = f"{running.url}/api/payments/webhooks/stripe"
        fake.checkout.webhook_secret = STRIPE_SECRET
        yield running


PAYPAL_WEBHOOK = "WH-SITE-0001"


def balance(client: ApiClient) -> int:
    return client.get("/api/account").body["balance"]["amount"]


def test_providers_are_offered(site):
    answer = ApiClient(site.url).get("/api/payments/providers")
    assert answer.status == 200
    assert answer.body["providers"] == ["stripe", "paypal", "nowpayments"]
    assert "sk_test_site" not in site.log.read_text()  # secrets are never logged


def test_top_up_by_stripe_then_pay_an_order(site, providers):
    stripe = providers[0].fake.checkout
    client, email = new_user(site)
    started = client.post("/api/payments", {"provider": "stripe", "amount": 2500})
    assert started.status == 201, started.body
    payment = started.body
    assert payment["status"] == "pending"
    assert payment["checkout_url"].startswith(stripe.url + "/c/pay/cs_test_")
    # someone who knows the session but not the endpoint's secret
    session = payment["checkout_url"].rsplit("/", 1)[1]
    forged = json.dumps({"id": "evt_forged", "type": "checkout.session.completed", "data": {
        "object": {"id": session, "payment_status": "paid", "amount_total": 2500,
                   "currency": "usd", "metadata": {"pyrar_payment": str(payment["id"])}}}})
    header = stripe_signer.generate_signature_header(forged, "whsec_guessed")
    assert post_raw(site, "/api/payments/webhooks/stripe", forged.encode(), {
        "Stripe-Signature": header})[0] == 400
    assert balance(client) == 0
    # the payer at Stripe's page: card data goes to Stripe, never to us; Stripe sends the
    # webhooks, then the payer back to the payment's page on the site
    with urllib.request.urlopen(urllib.request.Request(
            payment["checkout_url"], data=b"card=4242", method="POST"), timeout=30) as back:
        assert back.url == f"{site.url}/payments/{payment['id']}"
    assert balance(client) == 2500
    assert [(kind, status) for kind, status, _ in stripe.delivered[-2:]] == [
        ("checkout.session.completed", 200), ("payment_intent.succeeded", 200)]
    assert [text for _, _, text in stripe.delivered[-2:]] == ["credited", "noted"]
    shown = client.get(f"/api/payments/{payment['id']}").body
    assert shown["status"] == "paid" and shown["received"]["amount"] == 2500
    (receipt,) = site.mails(email, "payment_received")
    assert "25.00 USD" in receipt["text"]
    order = client.post("/api/orders", {"items": [{"name": f"paid{payment['id']}.example"}]})
    assert order.status == 201 and order.body["items"][0]["status"] == "done"
    assert balance(client) == 1500
    assert [e["kind"] for e in client.get("/api/account/ledger").body] == ["order", "payment"]


def test_top_up_by_nowpayments_credited_once(site, providers):
    fake = providers[0].fake
    client, _ = new_user(site)
    started = client.post("/api/payments", {"provider": "nowpayments", "amount": 1000})
    assert started.status == 201 and started.body["checkout_url"].startswith(fake.url)
    payment_id = started.body["id"]
    invoice = started.body["checkout_url"].rsplit("/", 1)[1]
    ipn = {"payment_id": 99000 + payment_id, "invoice_id": int(invoice),
           "payment_status": "finished", "price_amount": 10, "price_currency": "usd",
           "pay_amount": 0.0002, "actually_paid": 0.0002, "pay_currency": "btc",
           "order_id": str(payment_id), "order_description": "Top-up \u2713"}
    body = json.dumps(ipn, ensure_ascii=False).encode()
    url = "/api/payments/webhooks/nowpayments"
    forged = post_raw(site, url, body, {"x-nowpayments-sig": signature("guess", body)})
    assert forged == (400, "refused: bad x-nowpayments-sig")
    assert balance(client) == 0
    good = {"x-nowpayments-sig": signature(IPN_SECRET, body)}
    assert post_raw(site, url, body, good) == (200, "credited")
    assert post_raw(site, url, body, good) == (200, "duplicate")
    assert balance(client) == 1000
    assert "bad x-nowpayments-sig" in site.log.read_text()  # logged with the reason


def test_orders_paid_by_stripe_and_by_nowpayments_are_placed_once(site, providers):
    stripe = providers[0].fake.checkout
    client, _ = new_user(site, funds=300)
    name = f"card{secrets.token_hex(3)}.example"
    refused = client.post("/api/payments/orders", {"provider": "stripe", "items": [
        {"name": "nic.example"}]})
    assert refused.status == 400 and "cannot be registered" in refused.body["detail"]
    assert client.get("/api/payments").body == []  # refused before any payment
    started = client.post("/api/payments/orders", {"provider": "stripe",
                                                   "items": [{"name": name}]})
    assert started.status == 201
    payment = started.body
    assert (payment["purpose"], payment["amount"]["amount"], payment["order_id"]) == (
        "order", 700, None)  # the order's 10.00 less the balance's 3.00
    with urllib.request.urlopen(urllib.request.Request(
            payment["checkout_url"], data=b"card=4242", method="POST"), timeout=30) as back:
        assert back.url == f"{site.url}/cart?payment={payment['id']}"
    assert [text for _, _, text in stripe.delivered[-2:]] == ["credited", "noted"]
    shown = client.get(f"/api/payments/{payment['id']}").body
    order = client.get(f"/api/orders/{shown['order_id']}").body
    assert order["status"] == "done" and order["items"][0]["name"] == name
    assert balance(client) == 0 and len(client.get("/api/orders").body) == 1
    assert [e["kind"] for e in client.get("/api/account/ledger").body][:2] == [
        "order", "payment"]

    # a NowPayments IPN delivered four times at once: credited once, one order
    client, _ = new_user(site)
    started = client.post("/api/payments/orders", {"provider": "nowpayments", "items": [
        {"name": f"coin{secrets.token_hex(3)}.example"}]}).body
    ipn = {"payment_id": 77000 + started["id"], "invoice_id": int(
        started["checkout_url"].rsplit("/", 1)[1]), "payment_status": "finished",
        "price_amount": 10, "price_currency": "usd", "pay_amount": 0.0002,
        "actually_paid": 0.0002, "pay_currency": "btc", "order_id": str(started["id"])}
    body = json.dumps(ipn).encode()
    headers = {"x-nowpayments-sig": signature(IPN_SECRET, body)}
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: post_raw(
            site, "/api/payments/webhooks/nowpayments", body, headers), range(4)))
    assert sorted(answers) == [(200, "credited")] + [(200, "duplicate")] * 3
    (order,) = client.get("/api/orders").body
    assert order["status"] == "done" and balance(client) == 0
    assert client.get(f"/api/payments/{started['id']}").body["order_id"] == order["id"]


def test_webhooks_refuse_oversized_bodies_and_unknown_providers(site):
    assert post_raw(site, "/api/payments/webhooks/nowpayments", b"{" + b" " * 70000 + b"}",
                    {})[0] == 413
    assert post_raw(site, "/api/payments/webhooks/cash", b"{}", {})[0] == 404
    answer = ApiClient(site.url).post("/api/payments", {"provider": "stripe", "amount": 100})
    assert answer.status == 401


def post_raw(site, path: str, body: bytes, headers: dict) -> tuple[int, str]:
    request = urllib.request.Request(site.url + path, data=body, headers={
        "Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()



def test_top_up_by_paypal_approved_captured_credited(site, providers, paypal_ca):
    """PayPal's webhooks signed by the local CA's leaf; the site fetches the certificate
    over https from the allowed host (loopback here), checks its chain, captures the
    approved order at the fake PayPal, and the capture's event credits."""
    fake, certs = providers[0].fake, providers[1]
    client, _ = new_user(site)
    started = client.post("/api/payments", {"provider": "paypal", "amount": 1500})
    assert started.status == 201 and "/checkoutnow?token=ORDER" in started.body["checkout_url"]
    payment_id, order = started.body["id"], started.body["checkout_url"].rsplit("=", 1)[1]
    cert_url = f"{certs.url}/v1/notifications/certs/CERT-site-{payment_id}"
    url = "/api/payments/webhooks/paypal"

    def send(event_type: str, resource: dict, event_id: str) -> tuple[int, str]:
        body = json.dumps({"id": event_id, "event_type": event_type,
                           "resource": resource}).encode()
        return post_raw(site, url, body, paypal_ca.headers(body, PAYPAL_WEBHOOK,
                                                            cert_url=cert_url))

    approved = {"id": order, "status": "APPROVED", "purchase_units": [
        {"custom_id": str(payment_id), "amount": {"currency_code": "USD", "value": "15.00"}}]}
    assert send("CHECKOUT.ORDER.APPROVED", approved, f"WH-A-{payment_id}") == (200, "capture")
    assert f"/v2/checkout/orders/{order}/capture" in fake.paths()
    capture = {"id": f"CAP-{payment_id}", "status": "COMPLETED", "custom_id": str(payment_id),
               "amount": {"currency_code": "USD", "value": "15.00"},
               "supplementary_data": {"related_ids": {"order_id": order}}}
    assert send("PAYMENT.CAPTURE.COMPLETED", capture, f"WH-C-{payment_id}") \
        == (200, "credited")
    assert balance(client) == 1500
    # signed by a key that is not the certificate's
    forged = PayPalCA.make()
    body = json.dumps({"id": "WH-forged", "event_type": "PAYMENT.CAPTURE.COMPLETED",
                       "resource": capture | {"id": "CAP-forged"}}).encode()
    status, text = post_raw(site, url, body, forged.headers(body, PAYPAL_WEBHOOK,
                                                            cert_url=cert_url))
    assert (status, text) == (400, "refused: bad PAYPAL-TRANSMISSION-SIG")
    assert balance(client) == 1500
