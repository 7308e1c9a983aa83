"""Orders paid by a provider, on SQLite and MariaDB: a cart the balance cannot pay becomes a
payment for the shortfall; its verified event credits the account once and the order is
then placed from the balance once, however often (and however concurrently) the event is
delivered; an order that can no longer be placed leaves the money in the balance and the
user is mailed."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import select

from registrar.errors import Conflict, Forbidden, InvalidInput
from registrar.models import SiteOrder, SitePayment
from registrar.payments import order_payments
from tests.payments.conftest import ipn_for, stored, user_with
from tests.payments.test_concurrency import deliver_at_once
from tests.payments.test_saved_cards import run_consumer
from tests.registrar.conftest import PASSWORD, events, mails

CART = [{"name": "paid.test"}]  # 20.00 (the test TLD's create price, no markup)


def balance(core, user) -> int:
    return core.me(user.id).balance.amount


def orders_of(world, user) -> list[SiteOrder]:
    return world.registry.read(lambda s: list(s.scalars(select(SiteOrder).where(
        SiteOrder.user_id == user.id))))


def test_stripe_pays_the_shortfall_and_the_order_is_placed_once(core, world, payments, sign,
                                                               fake):
    user = user_with(core, world, 500)
    view = payments.pay_order(user.id, "stripe", CART)
    assert (view.purpose, view.amount.amount, view.status, view.order_id) == (
        "order", 1500, "pending", None)
    form = dict(fake.calls)["/v1/checkout/sessions"]["body"]
    assert form["line_items[0][price_data][unit_amount]"] == "1500"
    assert form["line_items[0][price_data][product_data][name]"].startswith("Order")
    assert orders_of(world, user) == []  # nothing is placed before the money arrives
    payment = stored(world, view.id)
    session = sign.session("evt_order_1", payment, intent="pi_order_1")
    assert payments.webhook("stripe", *reversed(session)).text == "credited"
    view = payments.payment(user.id, view.id)
    (order,) = orders_of(world, user)
    assert (view.status, view.order_id, order.status, order.total) == (
        "paid", order.id, "done", 2000)
    assert balance(core, user) == 0
    assert [d.name for d in core.domains(user.id)] == ["paid.test"]
    kinds = [e.kind for e in core.ledger(user.id)]
    assert kinds[:2] == ["order", "payment"]  # newest first: credited, then the order
    assert mails(world, "receipt")[-1]["values"]["order_id"] == order.id
    # the same event again, the PaymentIntent's, a second place and the consumer: no more
    assert payments.webhook("stripe", *reversed(session)).text == "duplicate"
    intent = sign.session_intent("evt_order_1_pi", payment, intent="pi_order_1")
    assert payments.webhook("stripe", *reversed(intent)).text == "noted"
    payments.place_order(view.id)
    assert "payment.order" in [e.kind for e in events(world, "payments")]
    run_consumer(payments)
    assert len(orders_of(world, user)) == 1 and balance(core, user) == 0


def test_the_payment_is_at_least_the_providers_minimum(core, world, payments, sign):
    user = user_with(core, world, 1900)
    view = payments.pay_order(user.id, "nowpayments", CART)
    assert view.amount.amount == 500  # the balance lacks 1.00; min_amount is 5.00
    body, headers = sign.ipn(ipn_for(stored(world, view.id)))
    assert payments.webhook("nowpayments", headers, body).text == "credited"
    assert payments.payment(user.id, view.id).order_id is not None
    assert balance(core, user) == 400  # what was paid beyond the order stays


def test_what_cannot_be_paid_by_a_provider_is_refused_and_changes_nothing(core, world,
                                                                         payments,
                                                                         monkeypatch):
    user = user_with(core, world, 2500)
    with pytest.raises(Conflict, match="the balance pays"):
        payments.pay_order(user.id, "stripe", CART)
    poor = user_with(core, world, 0, email="bob@example.net")
    with pytest.raises(InvalidInput, match="provider"):
        payments.pay_order(poor.id, "bitpay", CART)
    with pytest.raises(InvalidInput, match="empty"):
        payments.pay_order(poor.id, "stripe", [])
    with monkeypatch.context() as m:
        m.setattr(payments, "settings", replace(payments.settings, max_amount=1000))
        with pytest.raises(InvalidInput, match="more than a payment may be"):
            payments.pay_order(poor.id, "stripe", CART)
    unverified = core.register("carl@example.net", PASSWORD)
    with pytest.raises(Forbidden, match="verify"):
        payments.pay_order(unverified.id, "stripe", CART)
    assert world.registry.read(lambda s: s.scalars(select(SitePayment)).first()) is None


def test_a_name_taken_meanwhile_leaves_the_money_in_the_balance(core, world, payments, sign):
    user = user_with(core, world, 0)
    view = payments.pay_order(user.id, "nowpayments", [{"name": "race.test"}])
    rival = user_with(core, world, 5000, email="rival@example.net")
    core.place_order(rival.id, [{"name": "race.test"}])
    body, headers = sign.ipn(ipn_for(stored(world, view.id)))
    assert payments.webhook("nowpayments", headers, body).text == "credited"
    view = payments.payment(user.id, view.id)
    assert view.status == "paid" and view.order_id is None
    assert "was not placed" in view.error and "race.test" in view.error
    assert balance(core, user) == 2000 and orders_of(world, user) == []
    told = mails(world, "order_not_placed")[-1]
    assert told["to"] == user.email and told["values"]["balance"] == "20.00"
    assert told["values"]["names"] == ["race.test"]
    shown = core.notifications(user.id)[0][0]  # and kept for the site, as every message
    assert (shown.kind, shown.link) == ("order_not_placed", f"/payments/{view.id}")
    assert "could not be placed" in shown.subject
    # the consumer finds it settled; the same IPN again moves nothing
    run_consumer(payments)
    assert payments.webhook("nowpayments", headers, body).text == "duplicate"
    assert balance(core, user) == 2000 and len(mails(world, "order_not_placed")) == 1


def test_paypal_pays_an_order(core, world, payments, sign):
    user = user_with(core, world, 0)
    view = payments.pay_order(user.id, "paypal", CART)
    order = stored(world, view.id).provider_ref
    capture = {"id": "CAPTURE-O1", "status": "COMPLETED", "custom_id": str(view.id),
               "amount": {"currency_code": "USD", "value": "20.00"},
               "supplementary_data": {"related_ids": {"order_id": order}}}
    body, headers = sign.paypal("PAYMENT.CAPTURE.COMPLETED", capture, "WH-order-1")
    assert payments.webhook("paypal", headers, body).text == "credited"
    assert payments.webhook("paypal", headers, body).text == "duplicate"
    assert len(orders_of(world, user)) == 1 and balance(core, user) == 0
    assert [d.name for d in core.domains(user.id)] == ["paid.test"]


def test_a_partial_crypto_payment_places_nothing_until_it_is_paid(core, world, payments,
                                                                 sign):
    user = user_with(core, world, 0)
    view = payments.pay_order(user.id, "nowpayments", CART)
    payment = stored(world, view.id)
    body, headers = sign.ipn(ipn_for(payment, "partially_paid", actually_paid="0.00125"))
    assert payments.webhook("nowpayments", headers, body).text == "credited"
    assert balance(core, user) == 1000 and orders_of(world, user) == []
    body, headers = sign.ipn(ipn_for(payment))
    assert payments.webhook("nowpayments", headers, body).text == "credited"
    assert len(orders_of(world, user)) == 1 and balance(core, user) == 0


def test_the_consumer_places_the_order_the_webhook_could_not(core, world, payments, sign,
                                                           monkeypatch):
    user = user_with(core, world, 0)
    view = payments.pay_order(user.id, "nowpayments", CART)
    place = order_payments.place

    def down(*args, **kwargs):
        raise OSError("the database went away")
    monkeypatch.setattr(order_payments, "place", down)
    body, headers = sign.ipn(ipn_for(stored(world, view.id)))
    # the credit is committed: the provider is told so, the order is left to the consumer
    assert payments.webhook("nowpayments", headers, body).text == "credited"
    assert orders_of(world, user) == [] and balance(core, user) == 2000
    monkeypatch.setattr(order_payments, "place", place)
    run_consumer(payments)
    assert len(orders_of(world, user)) == 1 and balance(core, user) == 0
    assert payments.payment(user.id, view.id).order_id == orders_of(world, user)[0].id


def test_one_event_four_times_at_once_places_one_order(core, world, payments, sign):
    user = user_with(core, world, 0)
    view = payments.pay_order(user.id, "nowpayments", CART)
    body, headers = sign.ipn(ipn_for(stored(world, view.id)))
    assert deliver_at_once(payments, body, headers, 4) == {"credited": 1, "duplicate": 3}
    assert len(orders_of(world, user)) == 1 and balance(core, user) == 0


def test_a_sessions_two_events_at_once_place_one_order(core, world, payments, sign):
    user = user_with(core, world, 0)
    payment = stored(world, payments.pay_order(user.id, "stripe", CART).id)
    session = sign.session("evt_race", payment, intent="pi_race")
    intent = sign.session_intent("evt_race_pi", payment, intent="pi_race")
    answers = deliver_at_once(payments, *session, 2, "stripe", (intent,))
    assert sorted(answers.elements()) == ["credited", "duplicate", "noted"]
    assert len(orders_of(world, user)) == 1 and balance(core, user) == 0


def test_placing_at_once_from_many_threads_places_once(core, world, payments, sign,
                                                      monkeypatch):
    """The webhook and the consumer (or two processes' consumers) placing together."""
    user = user_with(core, world, 0)
    view = payments.pay_order(user.id, "nowpayments", CART)
    monkeypatch.setattr(payments, "place_order", lambda payment_id: None)  # not yet
    body, headers = sign.ipn(ipn_for(stored(world, view.id)))
    assert payments.webhook("nowpayments", headers, body).text == "credited"
    monkeypatch.undo()
    barrier = threading.Barrier(4)
    errors: list = []

    def place():
        try:
            barrier.wait(30)
            payments.place_order(view.id)
        except Exception as e:  # the assertion below shows it
            errors.append(e)
    threads = [threading.Thread(target=place) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(orders_of(world, user)) == 1 and balance(core, user) == 0
