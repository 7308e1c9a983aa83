"""The domain lifecycle over years, with the injected clock: grace periods, auto-renew,
redemption, restore, pendingDelete and purge - projected on access and applied by the
scheduler alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.flows.domain_check import DomainCheck
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_delete import DomainDelete
from registry.flows.domain_info import DomainInfoQuery
from registry.flows.domain_renew import DomainRenew
from registry.flows.domain_restore import DomainRestoreReport, DomainRestoreRequest
from registry.flows.poll_messages import PollAck, PollRequest
from registry.models import Domain, HistoryEntry, LedgerEntry
from registry.periods import add_years
from registry.scheduler import run_due
from registry.values import Period
from tests.core.world import START, STRONG

SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)


def create(world, actor, name="foo.example", years=1):
    return world.run(DomainCreate(name, Period(years), authinfo=STRONG), actor).result


def info(world, actor, name="foo.example"):
    return world.run(DomainInfoQuery(name), actor).result


def ledger(world, actor):
    return world.task(lambda ctx: [(e.kind, e.amount) for e in ctx.session.scalars(
        select(LedgerEntry).where(LedgerEntry.registrar_id == actor.registrar_id)
        .order_by(LedgerEntry.id))])


def poll_all(world, actor):
    messages = []
    while (msg := world.run(PollRequest(), actor).result.message) is not None:
        messages.append(msg)
        world.run(PollAck(str(msg.id)), actor)
    return messages


def test_grace_periods_expire_with_time(world, alice):
    created = create(world, alice)
    assert created.expires_at == add_years(START, 1)
    assert info(world, alice).rgp_statuses == ("addPeriod",)
    world.clock.advance(days=5, seconds=-1)
    assert info(world, alice).rgp_statuses == ("addPeriod",)
    world.clock.advance(seconds=2)
    assert info(world, alice).rgp_statuses == ()
    assert info(world, alice).statuses == ("inactive",)


def test_auto_renew_is_visible_one_second_after_expiry(world, alice):
    expiry = create(world, alice).expires_at
    world.clock.set(expiry - SECOND)
    assert info(world, alice).expires_at == expiry
    world.clock.set(expiry + SECOND)
    after = info(world, alice)
    assert after.expires_at == add_years(expiry, 1)
    assert after.rgp_statuses == ("autoRenewPeriod",)
    assert ledger(world, alice)[-1] == ("autorenew", -1000)
    [msg] = [m for m in poll_all(world, alice) if m.kind == "autorenew"]
    assert msg.created_at == expiry  # stamped when it happened, not when observed
    assert msg.payload["expires_at"] == add_years(expiry, 1).isoformat()


def test_years_untouched_renew_once_per_year(world, alice):
    expiry = create(world, alice).expires_at
    world.clock.set(add_years(expiry, 3) + DAY)
    assert info(world, alice).expires_at == add_years(expiry, 4)
    assert [k for k, _ in ledger(world, alice)].count("autorenew") == 4
    renewals = [m for m in poll_all(world, alice) if m.kind == "autorenew"]
    assert [m.created_at for m in renewals] == [add_years(expiry, n) for n in range(4)]


def test_delete_in_add_grace_refunds_and_frees_the_name_at_once(world, alice):
    create(world, alice, years=2)
    before = world.registrar(alice).balance
    world.clock.advance(days=2)
    r = world.run(DomainDelete("foo.example"), alice)
    assert r.code == 1000
    assert r.result.refund.total == -2000
    assert world.registrar(alice).balance == before + 2000
    assert world.run(DomainCheck(("foo.example",)), alice).result.names[0].available
    world.fails(2303, DomainInfoQuery("foo.example"), alice)


def test_delete_in_renew_grace_refunds_the_renewal_and_goes_to_redemption(world, alice):
    expiry = create(world, alice).expires_at
    world.clock.advance(days=10)
    world.run(DomainRenew("foo.example", expiry.date(), Period(2)), alice)
    balance = world.registrar(alice).balance
    world.clock.advance(days=1)
    r = world.run(DomainDelete("foo.example"), alice)
    assert r.code == 1001
    assert world.registrar(alice).balance == balance + 2000
    state = info(world, alice)
    assert state.expires_at == expiry
    assert state.rgp_statuses == ("redemptionPeriod",)
    assert "pendingDelete" in state.statuses


def test_delete_in_autorenew_grace_refunds_the_autorenewal(world, alice):
    expiry = create(world, alice).expires_at
    world.clock.set(expiry + 10 * DAY)
    assert info(world, alice).expires_at == add_years(expiry, 1)
    balance = world.registrar(alice).balance
    assert world.run(DomainDelete("foo.example"), alice).code == 1001
    assert world.registrar(alice).balance == balance + 1000
    assert info(world, alice).expires_at == expiry


def test_redemption_then_pending_delete_then_purge(world, alice, bob):
    create(world, alice)
    world.clock.advance(days=10)
    world.run(DomainDelete("foo.example"), alice)
    deleted_at = world.clock.now()
    world.clock.set(deleted_at + 30 * DAY - SECOND)
    assert info(world, alice).rgp_statuses == ("redemptionPeriod",)
    world.clock.set(deleted_at + 30 * DAY + SECOND)
    assert info(world, alice).rgp_statuses == ("pendingDelete",)
    world.fails(2304, DomainRestoreRequest("foo.example"), alice)
    assert not world.run(DomainCheck(("foo.example",)), bob).result.names[0].available
    world.clock.set(deleted_at + 35 * DAY + SECOND)
    assert world.run(DomainCheck(("foo.example",)), bob).result.names[0].available
    world.fails(2303, DomainInfoQuery("foo.example"), alice)
    [gone] = [m for m in poll_all(world, alice) if m.kind == "domain_deleted"]
    assert gone.created_at == deleted_at + 35 * DAY
    create(world, bob)  # the name is free for anyone again
    assert info(world, bob).sponsor == "bob"
    history = world.task(lambda ctx: [h.command for h in ctx.session.scalars(
        select(HistoryEntry).where(HistoryEntry.object_name == "foo.example")
        .order_by(HistoryEntry.id))])
    assert history == ["domain_create", "domain_delete", "redemption_end", "purge",
                       "domain_create"]


def test_restore_request_and_report(world, alice):
    expiry = create(world, alice).expires_at
    world.clock.advance(days=10)
    world.run(DomainDelete("foo.example"), alice)
    world.clock.advance(days=3)
    balance = world.registrar(alice).balance
    r = world.run(DomainRestoreRequest("foo.example"), alice)
    assert r.result.rgp_status == "pendingRestore"
    assert world.registrar(alice).balance == balance - 5000
    assert info(world, alice).rgp_statuses == ("pendingRestore",)
    report = DomainRestoreReport(
        "foo.example", "pre", "post", world.clock.now() - 3 * DAY, world.clock.now(),
        "registrant error", ("statement 1", "statement 2"))
    world.run(report, alice)
    restored = info(world, alice)
    assert restored.rgp_statuses == ()
    assert "pendingDelete" not in restored.statuses
    assert restored.expires_at == expiry
    world.fails(2304, report, alice)  # nothing to report any more


def test_restore_after_expiry_adds_a_year(world, alice):
    expiry = create(world, alice).expires_at
    world.clock.set(expiry - 2 * DAY)
    world.run(DomainDelete("foo.example"), alice)
    world.clock.set(expiry + 5 * DAY)  # in redemption: no auto-renew happens
    assert info(world, alice).expires_at == expiry
    balance = world.registrar(alice).balance
    r = world.run(DomainRestoreRequest("foo.example"), alice)
    assert r.result.charge.total == 6000  # restore + one year's renewal
    assert world.registrar(alice).balance == balance - 6000
    assert info(world, alice).expires_at == add_years(expiry, 1)


def test_restore_without_report_lapses_back_to_redemption(world, alice):
    create(world, alice)
    world.clock.advance(days=10)
    world.run(DomainDelete("foo.example"), alice)
    deleted_at = world.clock.now()
    world.clock.advance(days=1)
    world.run(DomainRestoreRequest("foo.example"), alice)
    world.clock.advance(days=7, seconds=1)
    assert info(world, alice).rgp_statuses == ("redemptionPeriod",)
    world.clock.set(deleted_at + 30 * DAY + SECOND)
    assert info(world, alice).rgp_statuses == ("pendingDelete",)


def test_restore_without_report_when_the_tld_does_not_require_it(world):
    world.add_tld("norep", restore_report_required=False)
    carol = world.add_registrar("carol")
    create(world, carol, "foo.norep")
    world.clock.advance(days=10)
    world.run(DomainDelete("foo.norep"), carol)
    r = world.run(DomainRestoreRequest("foo.norep"), carol)
    assert r.result.rgp_status == ""
    assert info(world, carol, "foo.norep").rgp_statuses == ()


def test_grace_lengths_follow_tld_policy(world):
    world.add_tld("quick", add_grace_days=1, autorenew_grace_days=2, redemption_days=3,
                  pending_delete_days=1)
    carol = world.add_registrar("carol")
    expiry = create(world, carol, "foo.quick").expires_at
    world.clock.advance(days=1, seconds=1)
    assert info(world, carol, "foo.quick").rgp_statuses == ()
    world.clock.set(expiry + 2 * DAY + SECOND)
    assert info(world, carol, "foo.quick").rgp_statuses == ()
    world.run(DomainDelete("foo.quick"), carol)
    world.clock.advance(days=4, seconds=1)
    world.fails(2303, DomainInfoQuery("foo.quick"), carol)


@pytest.mark.parametrize("years_ahead", [1, 3])
def test_scheduler_and_projection_agree(world, alice, years_ahead):
    """Applying events with `lifecycle run` gives the same state as touching the domains."""
    for i in range(5):
        create(world, alice, f"d{i}.example")
    world.clock.advance(days=10)
    world.run(DomainDelete("d0.example"), alice)
    world.run(DomainDelete("d1.example"), alice)
    world.clock.set(add_years(START, years_ahead) + 40 * DAY)
    report = run_due(world.registry)
    assert report.domains >= 3
    assert report.failed == 0
    names = world.task(lambda ctx: sorted(ctx.session.scalars(select(Domain.name))))
    assert names == ["d2.example", "d3.example", "d4.example"]
    scheduled = [info(world, alice, n).expires_at for n in names]
    assert scheduled == [add_years(add_years(START, 1), years_ahead)] * 3
    assert run_due(world.registry).domains == 0  # nothing left to do
    due = world.task(lambda ctx: ctx.session.scalar(select(Domain.next_event_at).where(
        Domain.name == "d2.example")))
    assert due == add_years(START, years_ahead + 1)
