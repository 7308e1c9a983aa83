"""``pyrar init``'s sandbox has test-mode providers: a top-up calls no provider, and the
secrets in credentials.json sign the test events that credit it (Stripe, NowPayments)."""

from __future__ import annotations

import json

import stripe

from pyrar.cli.main import main
from registrar.config import RegistrarSettings
from registrar.core import RegistrarCore
from registrar.payments.config import load
from registrar.payments.nowpayments import signature
from registrar.payments.service import PaymentService
from registry.config import Config
from registry.service import Registry


def test_a_sandbox_top_up_is_credited_by_signed_test_events(tmp_path):
    directory = tmp_path / "sandbox"
    assert main(["init", str(directory)]) == 0
    credentials = json.loads((directory / "credentials.json").read_text())
    tests = credentials["payments"]
    site = credentials["web"]["url"]
    assert tests["stripe"]["webhook_url"] == f"{site}/api/payments/webhooks/stripe"
    assert tests["nowpayments"]["ipn_url"] == f"{site}/api/payments/webhooks/nowpayments"
    config = Config.load(directory / "pyrar.toml", {})
    settings = load(config)
    assert settings.test_mode and settings.enabled == ("stripe", "nowpayments")
    registry = Registry.from_config(config)
    try:
        core = RegistrarCore(registry, config.section("registrar", RegistrarSettings))
        payments = PaymentService(core, settings)
        demo = core.login(credentials["web"]["user"]["email"],
                          credentials["web"]["user"]["password"])
        user_id = core.principal(demo.token).user_id
        before = core.me(user_id).balance.amount
        card = payments.start(user_id, "stripe", 2500)  # no provider called: test mode
        crypto = payments.start(user_id, "nowpayments", 1000)
        assert card.status == crypto.status == "pending"
        body = json.dumps({"id": "evt_sandbox_1", "object": "event",
                           "type": "payment_intent.succeeded", "data": {"object": {
                               "id": f"test_{card.id}", "amount": 2500, "currency": "usd",
                               "metadata": {"pyrar_payment": str(card.id)}}}})
        header = stripe.WebhookSignature.generate_signature_header(
            body, tests["stripe"]["webhook_secret"])
        assert payments.webhook("stripe", {"Stripe-Signature": header},
                                body.encode()).text == "credited"
        ipn = json.dumps({"payment_id": 1, "invoice_id": f"test_{crypto.id}",
                          "payment_status": "finished", "price_amount": 10,
                          "price_currency": "usd", "pay_amount": 0.1, "actually_paid": 0.1,
                          "order_id": str(crypto.id)}).encode()
        sig = signature(tests["nowpayments"]["ipn_secret"], ipn)
        assert payments.webhook("nowpayments", {"x-nowpayments-sig": sig},
                                ipn).text == "credited"
        assert core.me(user_id).balance.amount == before + 3500
    finally:
        registry.close()
