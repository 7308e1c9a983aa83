"""The registrar's lifecycle on an injected clock: reminders, auto-renew from the balance,
names the registry auto-renewed that nobody pays for (deleted back, restorable), transfers
in and away settled from the registry's poll messages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from registrar.models import SiteDomain
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_info import DomainInfoQuery
from registry.flows.domain_transfer import DomainTransferApprove, DomainTransferRequest
from registry.scheduler import run_due
from tests.core.world import STRONG
from tests.registrar.conftest import funded_user, mails, operator


def held(world, name: str) -> SiteDomain | None:
    return world.registry.read(lambda s: s.scalars(select(SiteDomain).where(
        SiteDomain.name == name)).first())


@pytest.fixture
def bought(core, world):
    user = funded_user(core, world, amount=1500)
    core.place_order(user.id, [{"name": "life.example"}])
    return user, held(world, "life.example").expires_at


def test_reminders_30_14_7_1_days_before_each_once(core, world, bought):
    user, expires = bought
    core.set_auto_renew(user.id, "life.example", False)
    sent = []
    for days in (31, 30, 29, 14, 7, 6, 1):
        world.clock.set(expires - timedelta(days=days))
        core.run_lifecycle()
        sent.append(len(mails(world, "renewal_reminder")))
    assert sent == [0, 1, 1, 2, 3, 3, 4]
    assert mails(world, "renewal_reminder")[-1]["values"]["auto_renew"] is False


def test_auto_renew_from_the_balance(core, world, bought):
    user, expires = bought
    core.add_funds(user.id, 1000, "top-up")
    world.clock.set(expires - timedelta(days=7))
    report = core.run_lifecycle()
    assert report.renewed == 1 and core.me(user.id).balance.amount == 500
    assert held(world, "life.example").expires_at == expires.replace(year=expires.year + 1)
    assert mails(world, "auto_renewed")
    assert core.run_lifecycle().renewed == 0  # not again


def test_unpaid_expiry_is_deleted_back_and_restorable(core, world, bought):
    user, expires = bought
    world.clock.set(expires - timedelta(days=7))
    assert core.run_lifecycle().failed == 1  # 500 left, the renewal costs 1000
    assert "10.00" in mails(world, "auto_renew_failed")[0]["values"]["reason"]
    assert core.run_lifecycle().failed == 0  # tried again only a day later
    world.clock.set(expires + timedelta(minutes=1))
    run_due(world.registry)  # the registry auto-renews, charging the house
    core.run_lifecycle()  # the holder cannot pay: deleted back within the grace
    assert held(world, "life.example").state == "redemption"
    assert mails(world, "expired")
    info = world.run(DomainInfoQuery("life.example"), operator()).result
    assert "pendingDelete" in info.statuses
    core.add_funds(user.id, 10_000, "top-up")
    order = core.place_order(user.id, [{"name": "life.example", "operation": "restore"}])
    assert order.items[0].status == "done", order.items[0].error
    assert held(world, "life.example").state == "active"
    info = world.run(DomainInfoQuery("life.example"), operator()).result
    assert "pendingDelete" not in info.statuses


def test_transfer_in_completes_when_the_losing_registrar_approves(core, world):
    other = world.add_registrar("other")
    world.run(DomainCreate("moving.example", authinfo=STRONG), other)
    user = funded_user(core, world)
    order = core.place_order(user.id, [{"name": "moving.example", "operation": "transfer",
                                        "auth_code": STRONG}])
    assert order.items[0].status == "done" and order.total.amount == 800
    assert held(world, "moving.example").state == "transfer_pending"
    world.run(DomainTransferApprove("moving.example"), other)
    assert core.run_lifecycle().messages >= 1
    row = held(world, "moving.example")
    assert row.state == "active" and row.expires_at.year == world.clock.now().year + 2
    assert mails(world, "transfer_in")


def test_a_refused_transfer_in_is_refunded(core, world):
    from registry.flows.domain_transfer import DomainTransferReject
    other = world.add_registrar("other")
    world.run(DomainCreate("kept.example", authinfo=STRONG), other)
    user = funded_user(core, world, amount=5000)
    core.place_order(user.id, [{"name": "kept.example", "operation": "transfer",
                                "auth_code": STRONG}])
    world.run(DomainTransferReject("kept.example"), other)
    core.run_lifecycle()
    assert held(world, "kept.example") is None
    assert core.me(user.id).balance.amount == 5000
    assert "refused" in core.orders(user.id)[0].items[0].error


def test_transfer_away_is_told_and_settled(core, world, bought):
    user, _ = bought
    gaining = world.add_registrar("gaining")
    code = core.reset_auth_code(user.id, "life.example")
    world.run(DomainTransferRequest("life.example", code), gaining)
    core.run_lifecycle()
    assert mails(world, "transfer_out_requested")[0]["values"]["name"] == "life.example"
    world.clock.advance(timedelta(days=6))  # nobody answered: the registry approves
    run_due(world.registry)
    core.run_lifecycle()
    assert held(world, "life.example") is None
    assert mails(world, "transfer_out")
