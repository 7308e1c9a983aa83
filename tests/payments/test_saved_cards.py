"""Saved cards (Stripe): a top-up's Checkout Session saves the card at Stripe (a customer,
setup_future_usage on its PaymentIntent);
an auto-renewal the balance cannot pay charges it off-session through the outbox, and the
renewal is done once the charge's verified event has credited the account."""

from __future__ import annotations

from datetime import timedelta

from registrar.payments.consumer import payments_consumer
from tests.payments.conftest import stored, user_with
from tests.registrar.conftest import mails


def run_consumer(payments) -> None:
    consumer = payments_consumer(payments)
    try:
        while consumer.run_once() is not None:
            pass
    finally:
        consumer.doorbell.close()


def intents(fake) -> list[dict]:
    return [c["body"] for p, c in fake.calls if p == "/v1/payment_intents"]


def sessions(fake) -> list[dict]:
    return [c["body"] for p, c in fake.calls if p == "/v1/checkout/sessions"]


def test_a_short_balance_at_auto_renewal_is_charged_to_the_saved_card(core, world, payments,
                                                                      sign, fake):
    user = user_with(core, world)
    top_up = stored(world, payments.start(user.id, "stripe", 2000).id)
    (made,) = sessions(fake)
    assert made["payment_intent_data[setup_future_usage]"] == "off_session"
    assert made["customer"].startswith("cus_") and intents(fake) == []
    # the session's event first, then its PaymentIntent's, which names the card
    body, headers = sign.session("evt_topup", top_up, customer=made["customer"])
    assert payments.webhook("stripe", headers, body).text == "credited"
    body, headers = sign.session_intent("evt_topup_pi", top_up, customer=made["customer"],
                                        payment_method="pm_saved_1")
    assert payments.webhook("stripe", headers, body).text == "noted"
    core.place_order(user.id, [{"name": "renewme.test"}])  # 20.00: the balance is spent
    assert core.me(user.id).balance.amount == 0
    expires = core.domain(user.id, "renewme.test").expires_at
    world.clock.advance(expires - world.clock.now() - timedelta(days=6))
    report = core.run_lifecycle()
    assert (report.renewed, report.failed) == (0, 1)
    assert "charging your saved card" in mails(world, "auto_renew_failed")[-1]["values"][
        "reason"]
    core.run_lifecycle()  # a second round asks no second charge while one is under way
    run_consumer(payments)
    (charge,) = intents(fake)
    assert (charge["off_session"], charge["confirm"], charge["payment_method"],
            charge["customer"], charge["amount"]) == ("true", "true", "pm_saved_1",
                                                      made["customer"], "1500")
    payment = stored(world, int(charge["metadata[pyrar_payment]"]))
    assert payment.purpose == "auto_renew" and payment.status == "pending"
    body, headers = sign.intent("evt_charge", payment)
    assert payments.webhook("stripe", headers, body).text == "credited"
    # the next round renews at once (not a day later)
    assert core.run_lifecycle().renewed == 1
    assert core.me(user.id).balance.amount == 0
    assert core.domain(user.id, "renewme.test").expires_at.year == expires.year + 1


def test_no_saved_card_no_charge(core, world, payments, fake):
    user = user_with(core, world, 2000)
    core.place_order(user.id, [{"name": "nocard.test"}])
    expires = core.domain(user.id, "nocard.test").expires_at
    world.clock.advance(expires - world.clock.now() - timedelta(days=6))
    assert core.run_lifecycle().failed == 1
    assert "saved card" not in mails(world, "auto_renew_failed")[-1]["values"]["reason"]
    run_consumer(payments)
    assert intents(fake) == []
