"""Through the running site (``pyrar web serve``, SQLite and MariaDB): a user tops up by
Stripe against localstripe (the PaymentIntent made by the site, confirmed as Stripe.js
would, localstripe's signed webhook crediting the account) and pays an order with it; a
NowPayments top-up credited by a signed IPN, once; forged, oversized and unknown-provider
webhooks refused. Every provider is on loopback; secrets come from the environment and a
file."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

from registrar.payments.nowpayments import signature
from tests.payments.conftest import IPN_SECRET, STRIPE_SECRET
from tests.payments.fake_providers import Running, localstripe
from tests.waiting import wait_for
from tests.webui.api_client import ApiClient
from tests.webui.conftest import running_site
from tests.webui.test_api_journeys import new_user

pytestmark = pytest.mark.filterwarnings(
    "ignore:Bare functions are deprecated:DeprecationWarning")  # localstripe's handlers


@pytest.fixture(scope="module")
def providers():
    stripe_server, fake = localstripe(), Running()
    yield stripe_server, fake
    stripe_server.stop()
    fake.stop()


@pytest.fixture(scope="module", params=["sqlite", "mariadb"])
def site(request, tmp_path_factory, sqlite_template, providers):
    stripe_server, fake = providers
    directory = tmp_path_factory.mktemp("paying")
    (directory / "ipn-secret").write_text(IPN_SECRET + "\n")
    extra = f"""
[payments]
min_amount = 100
[payments.stripe]
publishable_key = "pk_test_site"
save_cards = false  # localstripe knows no setup_future_usage
api_base = "{stripe_server.url}"
[payments.nowpayments]
api_base = "{fake.url}"
ipn_secret_file = "ipn-secret"
"""
    env = {"PYRAR_PAYMENTS_STRIPE_SECRET_KEY": "sk_test_site",
           "PYRAR_PAYMENTS_STRIPE_WEBHOOK_SECRET": STRIPE_SECRET,
           "PYRAR_PAYMENTS_NOWPAYMENTS_API_KEY": "np-key"}
    with running_site(directory, request.param, sqlite_template, extra, env) as running:
        stripe_call(stripe_server.url, "/_config/webhooks/pyrar", {
            "url": f"{running.url}/api/payments/webhooks/stripe", "secret": STRIPE_SECRET})
        yield running


def stripe_call(base: str, path: str, form: dict, key: str = "sk_test_browser") -> dict:
    """A call to localstripe as Stripe.js (or the dashboard) would make it."""
    request = urllib.request.Request(base + path, data=urllib.parse.urlencode(form).encode(),
                                     headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        raw = answer.read()
    return json.loads(raw) if raw else {}


def balance(client: ApiClient) -> int:
    return client.get("/api/account").body["balance"]["amount"]


def test_providers_are_offered(site):
    answer = ApiClient(site.url).get("/api/payments/providers")
    assert answer.status == 200
    assert answer.body["providers"] == ["stripe", "nowpayments"]
    assert answer.body["stripe_publishable_key"] == "pk_test_site"
    assert "sk_test_site" not in site.log.read_text()  # secrets are never logged


def test_top_up_by_stripe_then_pay_an_order(site, providers):
    stripe_server, _ = providers
    client, email = new_user(site)
    started = client.post("/api/payments", {"provider": "stripe", "amount": 2500})
    assert started.status == 201, started.body
    payment = started.body
    assert payment["status"] == "pending" and payment["client_secret"].startswith("pi_")
    intent = payment["client_secret"].split("_secret_")[0]
    # what Stripe.js does in the browser: card data goes to Stripe, never to us
    method = stripe_call(stripe_server.url, "/v1/payment_methods", {
        "type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12",
        "card[exp_year]": "2030", "card[cvc]": "123"})
    stripe_call(stripe_server.url, f"/v1/payment_intents/{intent}",
                {"payment_method": method["id"]})
    stripe_call(stripe_server.url, f"/v1/payment_intents/{intent}/confirm", {})
    wait_for("localstripe's webhook credited the account", lambda: balance(client) == 2500,
             30, site.log.read_text)
    shown = client.get(f"/api/payments/{payment['id']}").body
    assert shown["status"] == "paid" and shown["received"]["amount"] == 2500
    (receipt,) = site.mails(email, "payment_received")
    assert "25.00 USD" in receipt["text"]
    order = client.post("/api/orders", {"items": [{"name": f"paid{payment['id']}.example"}]})
    assert order.status == 201 and order.body["items"][0]["status"] == "done"
    assert balance(client) == 1500
    assert [e["kind"] for e in client.get("/api/account/ledger").body] == ["order", "payment"]


def test_top_up_by_nowpayments_credited_once(site, providers):
    _, fake = providers
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


def test_webhooks_refuse_oversized_bodies_and_unknown_providers(site):
    assert post_raw(site, "/api/payments/webhooks/nowpayments", b"{" + b" " * 70000 + b"}",
                    {})[0] == 413
    assert post_raw(site, "/api/payments/webhooks/paypal", b"{}", {})[0] == 404
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
