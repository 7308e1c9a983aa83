"""``pyrar init``'s sandbox has test-mode providers: a top-up calls no provider, and what
credentials.json gives signs the test events that credit it (Stripe, NowPayments: their
secrets; PayPal: the key of the sandbox's test CA, whose chain the sandbox reads from a file
instead of fetching it)."""

from __future__ import annotations

import json
from pathlib import Path

import stripe

from pyrar.cli.main import main
from registrar.config import RegistrarSettings
from registrar.core import RegistrarCore
from registrar.payments.config import load
from registrar.payments.nowpayments import signature
from registrar.payments.paypal_test_ca import PayPalTestCA, signed_headers
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
    assert settings.test_mode and settings.enabled == ("stripe", "paypal", "nowpayments")
    paypal = tests["paypal"]
    assert paypal["webhook_url"] == f"{site}/api/payments/webhooks/paypal"
    assert Path(paypal["signing_key"]).stat().st_mode & 0o077 == 0
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
                           "type": "checkout.session.completed", "data": {"object": {
                               "id": f"test_{card.id}", "payment_status": "paid",
                               "amount_total": 2500, "currency": "usd",
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

        # PayPal: approved (the capture is not sent in test mode), then captured
        order = payments.start(user_id, "paypal", 1500)
        key = Path(paypal["signing_key"]).read_bytes()

        def send(event_type: str, resource: dict, event_id: str, signer=key) -> str:
            body = json.dumps({"id": event_id, "event_type": event_type,
                               "resource": resource}).encode()
            return payments.webhook("paypal", signed_headers(
                signer, body, paypal["webhook_id"], paypal["cert_url"]), body).text

        approved = {"id": f"test_{order.id}", "purchase_units": [
            {"custom_id": str(order.id)}]}
        assert send("CHECKOUT.ORDER.APPROVED", approved, "WH-SANDBOX-A") == "capture"
        capture = {"id": "CAPTURE-SANDBOX-1", "custom_id": str(order.id),
                   "amount": {"currency_code": "USD", "value": "15.00"},
                   "supplementary_data": {"related_ids": {"order_id": f"test_{order.id}"}}}
        # signed by another CA's key: refused
        other = PayPalTestCA.make()
        assert send("PAYMENT.CAPTURE.COMPLETED", capture, "WH-SANDBOX-X",
                    other.leaf_key) == "refused: bad PAYPAL-TRANSMISSION-SIG"
        assert send("PAYMENT.CAPTURE.COMPLETED", capture, "WH-SANDBOX-C") == "credited"
        assert send("PAYMENT.CAPTURE.COMPLETED", capture, "WH-SANDBOX-C") == "duplicate"
        assert core.me(user_id).balance.amount == before + 5000
    finally:
        registry.close()
