"""The same event delivered twice at the same moment credits once, on SQLite and MariaDB;
and on MariaDB, with the payment's row lock taken away, the unique (provider, event id)
alone still makes the second a duplicate. Two events of one payment that say the same
(a Stripe Checkout Session's and its PaymentIntent's) at the same moment credit once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from registrar.models import SitePayment, SitePaymentEvent
from registrar.payments import rules
from tests.payments.conftest import ipn_for, payment_events, stored, user_with


def deliver_at_once(payments, body: bytes, headers: dict, count: int,
                    provider: str = "nowpayments", others: tuple = ()) -> Counter:
    """``body`` ``count`` times and each of ``others`` ((body, headers)) once, at once."""
    deliveries = [(body, headers)] * count + list(others)
    barrier = threading.Barrier(len(deliveries))
    answers: list = []
    errors: list = []

    def deliver(body, headers):
        try:
            barrier.wait(30)
            answers.append(payments.webhook(provider, headers, body))
        except Exception as e:  # the assertion below shows it
            errors.append(e)
    threads = [threading.Thread(target=deliver, args=d) for d in deliveries]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert {a.status for a in answers} == {200}
    return Counter(a.text for a in answers)


def test_the_same_event_four_times_at_once_credits_once(core, world, payments, sign):
    user = user_with(core, world)
    payment = stored(world, payments.start(user.id, "nowpayments", 2500).id)
    body, headers = sign.ipn(ipn_for(payment))
    assert deliver_at_once(payments, body, headers, 4) == {"credited": 1, "duplicate": 3}
    assert core.me(user.id).balance.amount == 2500
    assert len(payment_events(world)) == 1
    assert [e.kind for e in core.ledger(user.id)] == ["payment"]


def test_a_checkout_sessions_two_events_at_once_credit_once(core, world, payments, sign):
    user = user_with(core, world)
    payment = stored(world, payments.start(user.id, "stripe", 2500).id)
    session = sign.session("evt_session", payment, intent="pi_racing")
    intent = sign.session_intent("evt_intent", payment, intent="pi_racing")
    answers = deliver_at_once(payments, *session, 2, "stripe", (intent,))
    assert sorted(answers.elements()) == ["credited", "duplicate", "noted"]
    assert core.me(user.id).balance.amount == 2500
    assert [e.kind for e in core.ledger(user.id)] == ["payment"]


def test_the_unique_constraint_alone_stops_the_second_credit(core, world, payments, sign,
                                                             database, monkeypatch):
    if database.dialect == "sqlite":
        pytest.skip("SQLite runs one writing transaction at a time: the two cannot overlap")
    user = user_with(core, world)
    payment = stored(world, payments.start(user.id, "nowpayments", 2500).id)
    barrier = threading.Barrier(2)

    def match_unlocked(ctx, event):
        """The payment without its lock, once both deliveries have read it: both see
        nothing credited yet and go on to credit."""
        found = ctx.session.scalars(select(SitePayment).where(
            SitePayment.id == event.payment_id)).first()
        barrier.wait(30)
        return found
    monkeypatch.setattr(rules, "_match", match_unlocked)
    body, headers = sign.ipn(ipn_for(payment))
    assert deliver_at_once(payments, body, headers, 2) == {"credited": 1, "duplicate": 1}
    assert core.me(user.id).balance.amount == 2500


def test_the_database_refuses_a_second_row_for_an_event(core, world, payments, sign):
    user = user_with(core, world)
    payment = stored(world, payments.start(user.id, "nowpayments", 2500).id)
    body, headers = sign.ipn(ipn_for(payment))
    payments.webhook("nowpayments", headers, body)
    row = payment_events(world)[0]

    def again(ctx):
        ctx.session.add(SitePaymentEvent(provider=row.provider, event_id=row.event_id,
                                         payment_id=row.payment_id, kind="paid", amount=1,
                                         currency="USD", received_at=ctx.now))
        ctx.session.flush()
    with pytest.raises(IntegrityError):
        world.registry.run(again)
