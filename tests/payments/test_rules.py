"""The rules on the registrar core, on SQLite and MariaDB: a payment made by us first, credited
once from its provider's verified event, for what the event says arrived, in its currency;
every other event changes nothing and is answered as the provider expects."""

from __future__ import annotations

import pytest

from registrar.errors import Forbidden, InvalidInput
from registrar.payments.consumer import payments_consumer
from tests.payments.conftest import ipn_for, payment_events, stored, user_with
from tests.registrar.conftest import events, mails


def balance(core, user) -> int:
    return core.me(user.id).balance.amount


def ledger_of(core, user) -> list:
    return [(e.kind, e.amount.amount, e.description) for e in core.ledger(user.id)]


def test_a_nowpayments_top_up_is_credited_once(core, world, payments, sign, fake):
    user = user_with(core, world, 1000)
    view = payments.start(user.id, "nowpayments", 2500)
    assert view.status == "pending" and view.checkout_url.startswith(fake.url + "/invoice/")
    asked = dict(fake.calls)["/v1/invoice"]["body"]
    assert asked["order_id"] == str(view.id) and asked["price_amount"] == 25.0
    assert asked["ipn_callback_url"] == "https://site.test/api/payments/webhooks/nowpayments"
    payment = stored(world, view.id)
    body, headers = sign.ipn(ipn_for(payment))
    answer = payments.webhook("nowpayments", headers, body)
    assert (answer.status, answer.text) == (200, "credited")
    assert balance(core, user) == 3500
    kind, amount, description = ledger_of(core, user)[0]
    assert (kind, amount) == ("payment", 2500) and payment.provider_ref in description
    assert payments.payment(user.id, view.id).status == "paid"
    receipt = mails(world, "payment_received")[-1]
    assert receipt["values"]["amount"] == "25.00" and receipt["to"] == user.email
    # the same IPN again: answered 200 (NowPayments stops), nothing moves
    assert payments.webhook("nowpayments", headers, body).text == "duplicate"
    assert balance(core, user) == 3500 and len(payment_events(world)) == 1


@pytest.mark.parametrize("change, why", [
    ("body", "tampered"), ("secret", "wrong secret"), ("header", "no signature")])
def test_forged_and_tampered_events_change_nothing(core, world, payments, sign, change, why,
                                                   caplog):
    user = user_with(core, world, 0)
    payment = stored(world, payments.start(user.id, "nowpayments", 2500).id)
    ipn = ipn_for(payment)
    body, headers = sign.ipn(ipn, secret="not-the-secret" if change == "secret" else
                             "ipn-secret-for-tests")
    if change == "body":
        body = body.replace(b'"price_amount": 25.0', b'"price_amount": 2500.0')
    if change == "header":
        headers = {}
    answer = payments.webhook("nowpayments", headers, body)
    assert answer.status == 400, why
    assert balance(core, user) == 0 and payment_events(world) == []
    assert "refused, nothing changed" in caplog.text


def test_unknown_payment_and_wrong_currency_are_ignored_and_logged(core, world, payments,
                                                                    sign, caplog):
    user = user_with(core, world, 0)
    payment = stored(world, payments.start(user.id, "nowpayments", 2500).id)
    body, headers = sign.ipn(ipn_for(payment, order_id="999999", invoice_id=1))
    answer = payments.webhook("nowpayments", headers, body)
    assert (answer.status, answer.text) == (200, "ignored")
    assert "no payment of ours matches it" in caplog.text
    body, headers = sign.ipn(ipn_for(payment, price_currency="eur"))
    assert payments.webhook("nowpayments", headers, body).text == "ignored"
    assert "its currency is EUR" in caplog.text
    # an invoice that is not the one we recorded for the payment
    body, headers = sign.ipn(ipn_for(payment, invoice_id=424242))
    assert payments.webhook("nowpayments", headers, body).text == "ignored"
    assert balance(core, user) == 0 and payment_events(world) == []


def test_partial_then_full_crypto_payment_and_the_overpayment_cap(core, world, payments,
                                                                 sign):
    user = user_with(core, world, 0)
    payment = stored(world, payments.start(user.id, "nowpayments", 10000).id)
    # 40% arrived: credited 40.00 at the invoice's rate, the payment partial
    body, headers = sign.ipn(ipn_for(payment, "partially_paid", "0.001", "0.0025"))
    assert payments.webhook("nowpayments", headers, body).text == "credited"
    assert balance(core, user) == 4000
    assert payments.payment(user.id, payment.id).status == "partial"
    # then 150% in all: credited up to 10% above the amount asked (110.00), no more
    body, headers = sign.ipn(ipn_for(payment, "finished", "0.00375", "0.0025"))
    assert payments.webhook("nowpayments", headers, body).text == "credited"
    assert balance(core, user) == 11000
    view = payments.payment(user.id, payment.id)
    assert view.status == "paid" and view.received.amount == 11000


def test_stripe_checkout_refund_and_dispute(core, world, payments, sign, fake):
    user = user_with(core, world, 0)
    view = payments.start(user.id, "stripe", 5000)
    assert view.status == "pending" and view.checkout_url.startswith(fake.url + "/c/pay/cs_")
    asked = dict(fake.calls)["/v1/checkout/sessions"]
    assert asked["headers"]["idempotency-key"] == f"pyrar-payment-{view.id}"
    form = asked["body"]
    assert (form["mode"], form["line_items[0][price_data][unit_amount]"],
            form["line_items[0][price_data][currency]"], form["metadata[pyrar_payment]"],
            form["payment_intent_data[metadata][pyrar_checkout_payment]"],
            form["success_url"], form["cancel_url"]) == (
        "payment", "5000", "usd", str(view.id), str(view.id),
        f"https://site.test/payments/{view.id}",
        f"https://site.test/payments/{view.id}?cancelled=1")
    payment = stored(world, view.id)
    body, headers = sign.session("evt_paid_1", payment, intent="pi_paid_1")
    assert payments.webhook("stripe", headers, body).text == "credited"
    # the session's PaymentIntent tells it too: credited once
    body, headers = sign.session_intent("evt_paid_1_pi", payment, intent="pi_paid_1")
    assert payments.webhook("stripe", headers, body).text == "noted"
    assert balance(core, user) == 5000
    assert stored(world, view.id).provider_payment == "pi_paid_1"
    # a refund of 20.00 (the charge says 2000 refunded in all), then the same again
    refund = {"id": "ch_1", "object": "charge", "payment_intent": "pi_paid_1",
              "amount": 5000, "amount_refunded": 2000, "currency": "usd"}
    body, headers = sign.stripe("charge.refunded", refund, "evt_refund_1")
    assert payments.webhook("stripe", headers, body).text == "debited"
    body, headers = sign.stripe("charge.refunded", refund, "evt_refund_1b")
    assert payments.webhook("stripe", headers, body).text == "noted"  # no more than said
    assert balance(core, user) == 3000
    # a dispute of all 50.00 takes back only what is left of it, and can go negative
    core.place_order(user.id, [{"name": "spent.test"}])  # 20.00 at the registry's price
    assert balance(core, user) == 1000
    dispute = {"id": "dp_1", "object": "dispute", "payment_intent": "pi_paid_1",
               "amount": 5000, "currency": "usd", "status": "needs_response"}
    body, headers = sign.stripe("charge.dispute.created", dispute, "evt_dispute_1")
    assert payments.webhook("stripe", headers, body).text == "debited"
    assert balance(core, user) == -2000
    assert payments.payment(user.id, payment.id).status == "refunded"
    assert mails(world, "payment_reversed")[-1]["values"]["balance"] == "-20.00"
    # locked for new orders until topped up
    with pytest.raises(Forbidden, match="locked"):
        core.place_order(user.id, [{"name": "more.test"}])
    # the dispute won: the 30.00 it took come back
    body, headers = sign.stripe("charge.dispute.closed", dispute | {"status": "won"},
                                "evt_dispute_2")
    assert payments.webhook("stripe", headers, body).text == "credited"
    assert balance(core, user) == 1000
    kinds = [k for k, _, _ in ledger_of(core, user)]
    assert kinds[:4] == ["payment", "dispute", "order", "refund"]


def test_stale_and_replayed_stripe_events(core, world, payments, sign):
    user = user_with(core, world, 0)
    payment = stored(world, payments.start(user.id, "stripe", 5000).id)
    body, headers = sign.stripe("payment_intent.succeeded", {
        "id": payment.provider_ref, "amount": 5000, "amount_received": 5000,
        "currency": "usd", "metadata": {"pyrar_payment": str(payment.id)}}, "evt_old", age=301)
    answer = payments.webhook("stripe", headers, body)
    assert answer.status == 400 and "stale" in answer.text
    body, headers = sign.session("evt_ok", payment)
    assert payments.webhook("stripe", headers, body).text == "credited"
    world.clock.advance(seconds=60)
    assert payments.webhook("stripe", headers, body).text == "duplicate"  # replayed in time
    world.clock.advance(seconds=300)
    assert payments.webhook("stripe", headers, body).status == 400  # replayed too late
    assert balance(core, user) == 5000


def test_a_webhook_before_the_checkout_was_recorded(core, world, payments, sign, fake):
    """The provider was reached but its answer lost (a crash, a timeout): the event names
    our payment, so it credits it and records the checkout it names."""
    user = user_with(core, world, 0)
    fake.down = True
    view = payments.start(user.id, "stripe", 5000)
    assert view.status == "created" and view.checkout_url is None
    payment = stored(world, view.id)
    payment.provider_ref = "cs_lost_answer"
    body, headers = sign.session("evt_early", payment)
    assert payments.webhook("stripe", headers, body).text == "credited"
    assert stored(world, view.id).provider_ref == "cs_lost_answer"
    assert balance(core, user) == 5000


def test_the_consumer_makes_the_checkout_when_the_provider_is_back(core, world, payments,
                                                                   fake):
    user = user_with(core, world, 0)
    fake.down = True
    view = payments.start(user.id, "paypal", 2000)
    assert view.status == "created"
    consumer = payments_consumer(payments)
    try:
        with pytest.raises(Exception, match="503"):
            consumer.run_once()  # an outage: the row waits, uncounted
        assert events(world, "payments")[0].attempts == 0
        fake.down = False
        consumer.run_once()
        assert consumer.run_once() is None
    finally:
        consumer.doorbell.close()
    view = payments.payment(user.id, view.id)
    assert view.status == "pending" and "/checkoutnow?token=ORDER" in view.checkout_url
    orders = [c for c in fake.calls if c[0] == "/v2/checkout/orders"]
    assert {c[1]["headers"]["paypal-request-id"] for c in orders} == {
        f"pyrar-payment-{view.id}"}


def test_a_refused_checkout_fails_the_payment(core, world, payments, fake):
    user = user_with(core, world, 0)
    fake.refuse = True
    view = payments.start(user.id, "nowpayments", 2000)
    assert view.status == "failed" and "HTTP 400" in view.error


def test_paypal_approved_captured_then_credited(core, world, payments, sign, fake):
    user = user_with(core, world, 0)
    view = payments.start(user.id, "paypal", 2000)
    payment = stored(world, view.id)
    order = payment.provider_ref
    approved = {"id": order, "status": "APPROVED", "purchase_units": [
        {"custom_id": str(view.id), "amount": {"currency_code": "USD", "value": "20.00"}}]}
    body, headers = sign.paypal("CHECKOUT.ORDER.APPROVED", approved, "WH-approved-1")
    assert payments.webhook("paypal", headers, body).text == "capture"
    assert f"/v2/checkout/orders/{order}/capture" in fake.paths()
    assert balance(core, user) == 0  # captured is not credited: its event credits
    capture = {"id": "CAPTURE-1", "status": "COMPLETED", "custom_id": str(view.id),
               "amount": {"currency_code": "USD", "value": "20.00"},
               "supplementary_data": {"related_ids": {"order_id": order}}}
    body, headers = sign.paypal("PAYMENT.CAPTURE.COMPLETED", capture, "WH-capture-1")
    assert payments.webhook("paypal", headers, body).text == "credited"
    assert payments.webhook("paypal", headers, body).text == "duplicate"
    assert balance(core, user) == 2000
    refund = {"id": "REFUND-1", "amount": {"currency_code": "USD", "value": "5.00"},
              "links": [{"rel": "up", "href": "https://api.paypal.com/v2/payments/captures/"
                         "CAPTURE-1"}]}
    body, headers = sign.paypal("PAYMENT.CAPTURE.REFUNDED", refund, "WH-refund-1")
    assert payments.webhook("paypal", headers, body).text == "debited"
    assert balance(core, user) == 1500
    # a capture in another currency than the payment's
    body, headers = sign.paypal("PAYMENT.CAPTURE.COMPLETED", capture | {
        "amount": {"currency_code": "EUR", "value": "20.00"}}, "WH-capture-eur")
    assert payments.webhook("paypal", headers, body).text == "ignored"
    assert balance(core, user) == 1500


def test_amounts_and_providers_are_checked(core, world, payments):
    user = user_with(core, world, 0)
    with pytest.raises(InvalidInput, match=r"5\.00 to 10000\.00 USD"):
        payments.start(user.id, "stripe", 499)
    with pytest.raises(InvalidInput, match="no payment provider 'cash'"):
        payments.start(user.id, "cash", 1000)
    assert payments.webhook("cash", {}, b"{}").status == 404


def test_an_operators_refund_goes_to_the_provider_and_its_event_debits(core, world, payments,
                                                                       sign, fake):
    user = user_with(core, world)
    payment = stored(world, payments.start(user.id, "stripe", 5000).id)
    body, headers = sign.session("evt_paid", payment, intent="pi_refunded")
    payments.webhook("stripe", headers, body)
    payment = stored(world, payment.id)
    with pytest.raises(InvalidInput, match="1 to 5000"):
        payments.refund(payment.id, 5001)
    payments.refund(payment.id, 1500)
    assert balance(core, user) == 5000  # not yet: the provider's event says when
    consumer = payments_consumer(payments)
    try:
        consumer.run_once()
    finally:
        consumer.doorbell.close()
    (asked,) = [c for p, c in fake.calls if p == "/v1/refunds"]
    assert asked["body"] == {"payment_intent": "pi_refunded", "amount": "1500"}
    assert asked["headers"]["idempotency-key"].startswith(f"pyrar-refund-{payment.id}-")
    refund = {"id": "ch_1", "object": "charge", "payment_intent": "pi_refunded",
              "amount": 5000, "amount_refunded": 1500, "currency": "usd"}
    body, headers = sign.stripe("charge.refunded", refund, "evt_refund")
    assert payments.webhook("stripe", headers, body).text == "debited"
    assert balance(core, user) == 3500
    # NowPayments has no refund API: its dashboard, then its refunded IPN
    crypto = stored(world, payments.start(user.id, "nowpayments", 1000).id)
    body, headers = sign.ipn(ipn_for(crypto))
    payments.webhook("nowpayments", headers, body)
    with pytest.raises(InvalidInput, match="own dashboard"):
        payments.refund(crypto.id)
    body, headers = sign.ipn(ipn_for(crypto, "refunded"))
    assert payments.webhook("nowpayments", headers, body).text == "debited"
    assert balance(core, user) == 3500


def test_one_provider_down_holds_back_only_its_own_checkouts(core, world, payments, fake):
    user = user_with(core, world)
    fake.down = True
    first = payments.start(user.id, "paypal", 2000)
    second = payments.start(user.id, "nowpayments", 2000)
    fake.down, fake.down_paths = False, ("/v1/oauth2", "/v2/")  # PayPal still down
    consumer = payments_consumer(payments)
    try:
        with pytest.raises(Exception, match="503"):
            consumer.run_once()
        assert payments.payment(user.id, second.id).status == "pending"
        assert payments.payment(user.id, first.id).status == "created"
        assert [e.attempts for e in events(world, "payments")] == [0]  # waits, uncounted
        fake.down_paths = ()
        consumer.run_once()
    finally:
        consumer.doorbell.close()
    assert payments.payment(user.id, first.id).status == "pending"
    assert events(world, "payments") == []


def test_a_checkout_sessions_intent_may_come_first(core, world, payments, sign):
    """Stripe sends a session's events in no set order: its PaymentIntent's success credits
    when it comes first (it names our payment, not the session), the session's then moves
    nothing; an expired session fails the payment, a completed one still unpaid (a delayed
    method) moves nothing."""
    user = user_with(core, world, 0)
    payment = stored(world, payments.start(user.id, "stripe", 5000).id)
    body, headers = sign.session_intent("evt_first", payment, intent="pi_first")
    assert payments.webhook("stripe", headers, body).text == "credited"
    body, headers = sign.session("evt_second", payment, intent="pi_first")
    assert payments.webhook("stripe", headers, body).text == "noted"
    assert balance(core, user) == 5000
    assert [(e.kind, e.amount) for e in payment_events(world)
            if e.payment_id == payment.id] == [("paid", 5000), ("paid", 0)]
    other = stored(world, payments.start(user.id, "stripe", 1000).id)
    body, headers = sign.session("evt_unpaid", other, payment_status="unpaid")
    assert payments.webhook("stripe", headers, body).text == "ignored"
    # a card declined on the session's page: the payer may try another, nothing failed
    body, headers = sign.stripe("payment_intent.payment_failed", {
        "id": "pi_declined", "object": "payment_intent", "status": "requires_payment_method",
        "amount": 1000, "currency": "usd", "metadata": {"pyrar_checkout_payment": str(other.id)}
    }, "evt_declined")
    assert payments.webhook("stripe", headers, body).text == "ignored"
    assert payments.payment(user.id, other.id).status == "pending"
    body, headers = sign.session("evt_expired", other, event_type="checkout.session.expired",
                                 payment_status="unpaid", status="expired")
    assert payments.webhook("stripe", headers, body).text == "noted"
    assert payments.payment(user.id, other.id).status == "failed"
    # a session not ours (another checkout named for our payment) moves nothing
    third = stored(world, payments.start(user.id, "stripe", 1000).id)
    body, headers = sign.session("evt_other", third, id="cs_not_ours")
    assert payments.webhook("stripe", headers, body).text == "ignored"
    assert balance(core, user) == 5000
