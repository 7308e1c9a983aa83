"""Search and orders without HTTP: prices side by side, IDN, reserved and premium names; an
order is paid and done, or failed and refunded, exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registrar import orders
from registrar.errors import Conflict, Forbidden, InsufficientFunds, InvalidInput
from registrar.models import SiteDomain, SiteLedgerEntry, SiteOrder, SiteUser
from registry.admin.tlds import add_premium, add_reserved
from registry.flows.domain_info import DomainInfoQuery
from registry.models import Domain, LedgerEntry, Registrar
from tests.registrar.conftest import PASSWORD, events, funded_user, mails, operator


def test_search_many_tlds_with_prices_side_by_side(core, world):
    world.task(lambda ctx: add_reserved(ctx, "example", "nic", "Registry operations"))
    world.task(lambda ctx: add_premium(ctx, "test", "gold", regex=False, currency="USD",
                                       prices={"create": 50_000, "renew": 50_000}))
    by_name = {r.name: r for r in core.search("gold")}
    assert list(by_name) == ["gold.example", "gold.test"]
    assert by_name["gold.example"].prices == {"create": 1000, "renew": 1000,
                                              "transfer": 800, "restore": 5000}
    assert by_name["gold.test"].premium and by_name["gold.test"].prices["create"] == 50_000
    nic = core.search("nic.example")[0]
    assert not nic.available and nic.reason == "Registry operations"


def test_search_typed_tld_first_and_taken_names(core, world):
    user = funded_user(core, world)
    core.place_order(user.id, [{"name": "taken.test"}])
    results = core.search("taken.test")
    assert [r.name for r in results] == ["taken.test", "taken.example"]
    assert not results[0].available and results[0].reason == "In use"
    assert results[1].available


def test_search_maps_idn_input_by_uts46_and_shows_u_labels(core):
    (result, _) = core.search("Bücher.example")
    assert result.name == "xn--bcher-kva.example"
    assert result.unicode_name == "bücher.example" and result.available
    full_width = core.search("\uff22\uff35\uff23\uff28\uff25\uff32")[0]  # full-width BUCHER
    assert full_width.name == "bucher.example"


def test_search_refuses_bad_input_with_a_reason(core):
    with pytest.raises(InvalidInput):
        core.search("")
    with pytest.raises(InvalidInput):
        core.search("a.b.example")
    with pytest.raises(InvalidInput):
        core.search(["not", "a", "string"])
    bad = core.search("-bad-")[0]
    assert not bad.available and "hyphen" in bad.reason


def test_markup_is_added_and_rounded_up(world):
    from registrar.config import RegistrarSettings
    from registrar.core import RegistrarCore
    core = RegistrarCore(world.registry, RegistrarSettings(
        markup_percent=15, argon2_time_cost=1, argon2_memory_kib=256, argon2_parallelism=1))
    assert core.search("x.example")[0].prices["transfer"] == 920


def test_an_order_is_paid_and_done_once(core, world):
    user = funded_user(core, world, amount=5000)
    order = core.place_order(user.id, [{"name": "one.example", "years": 2},
                                       {"name": "two.test"}])
    assert order.status == "done" and [i.status for i in order.items] == ["done", "done"]
    assert order.total.amount == 2000 + 2000 and order.refunded.amount == 0
    assert core.me(user.id).balance.amount == 1000
    info = world.run(DomainInfoQuery("one.example"), operator()).result
    assert info.sponsor == "house" and info.has_authinfo
    assert (info.expires_at.year - world.clock.now().year) == 2
    house = world.registry.read(lambda s: s.scalars(select(Registrar).where(
        Registrar.clid == "house")).one())
    assert house.balance == 1_000_000 - 2000 - 2000  # the registry billed the house
    # running it again (the consumer after a crash) changes nothing
    core.process_order(order.id)
    assert core.me(user.id).balance.amount == 1000
    assert len(world.registry.read(lambda s: s.scalars(select(SiteDomain)).all())) == 2
    assert mails(world, "receipt")[0]["values"]["order_id"] == order.id
    assert world.registry.read(lambda s: s.scalars(select(SiteOrder)).one()).status == "done"


def test_a_failed_item_is_refunded_and_leaves_nothing(core, world):
    user = funded_user(core, world, amount=5000)
    other = world.add_registrar("other")
    from registry.flows.domain_create import DomainCreate
    order_id = world.task(lambda ctx: orders.place(
        ctx, core.backend, ctx.session.get(SiteUser, user.id),
        orders.parse_cart([{"name": "race.example"}, {"name": "fine.example"}]), 0).id,
        core.actor)
    # another registrar takes the name between payment and processing
    world.run(DomainCreate("race.example", authinfo="Str0ng-Auth-Info-0123456789"), other)
    core.process_order(order_id)
    order = core.order(user.id, order_id)
    assert [i.status for i in order.items] == ["failed", "done"]
    assert "registered meanwhile" in order.items[0].error or "exists" in order.items[0].error
    assert order.refunded.amount == 1000 and core.me(user.id).balance.amount == 4000
    kinds = [e.kind for e in core.ledger(user.id)]
    assert kinds[:2] == ["refund", "order"]
    assert mails(world, "order_failed")


def test_registry_refusal_inside_an_item_rolls_back_only_that_item(core, world):
    """The item's savepoint: a flow that fails part-way leaves no registry row behind."""
    user = funded_user(core, world, amount=5000)
    world.task(lambda ctx: add_reserved(ctx, "example", "late", "Reserved"), operator())
    order_id = world.task(lambda ctx: _place_unchecked(ctx, core, user.id, "late.example"),
                          core.actor)
    core.process_order(order_id)
    assert core.order(user.id, order_id).items[0].status == "failed"
    assert world.registry.read(lambda s: s.scalars(select(Domain)).all()) == []
    assert core.me(user.id).balance.amount == 5000


def _place_unchecked(ctx, core, user_id, name):
    """An order whose name became unavailable after it was priced."""
    order = SiteOrder(user_id=user_id, status="paid", total=1000, refunded=0, currency="USD",
                      created_at=ctx.now)
    ctx.session.add(order)
    ctx.session.flush()
    ctx.session.add(orders.SiteOrderItem(order_id=order.id, operation="create", domain=name,
                                         years=1, price=1000, cost=1000, status="pending"))
    from registrar import ledger
    ledger.debit(ctx.session, user_id, 1000, ctx.now, "order", "test", order.id)
    return order.id


def test_orders_need_funds_and_a_verified_address(core, world):
    user = funded_user(core, world, amount=500)
    with pytest.raises(InsufficientFunds, match=r"balance is 5\.00"):
        core.place_order(user.id, [{"name": "dear.example"}])
    unverified = core.register("bob@example.net", PASSWORD)
    with pytest.raises(Forbidden, match="verify"):
        core.place_order(unverified.id, [{"name": "dear.example"}])
    assert world.registry.read(lambda s: s.scalars(select(SiteOrder)).all()) == []
    assert events(world, "orders") == []


@pytest.mark.parametrize("items", [[], "x", [{"name": "a.example", "years": 0}],
                                   [{"name": "a.example", "operation": "steal"}],
                                   [{"name": "a.example", "operation": "transfer"}],
                                   [{"name": "a.example"}, {"name": "A.example"}],
                                   [{"name": 7}], [5]])
def test_bad_carts_are_refused(core, world, items):
    user = funded_user(core, world)
    with pytest.raises(InvalidInput):
        core.place_order(user.id, items)


def test_taken_and_unheld_names_are_refused_before_payment(core, world):
    user = funded_user(core, world)
    core.place_order(user.id, [{"name": "mine.example"}])
    with pytest.raises(Conflict):
        core.place_order(user.id, [{"name": "mine.example"}])
    bob = funded_user(core, world, "bob@example.net")
    with pytest.raises(Exception, match="you do not hold"):
        core.place_order(bob.id, [{"name": "mine.example", "operation": "renew"}])


def test_renew_extends_and_bills_both_sides(core, world):
    user = funded_user(core, world)
    core.place_order(user.id, [{"name": "keep.test"}])
    order = core.place_order(user.id, [{"name": "keep.test", "operation": "renew",
                                        "years": 3}])
    assert order.items[0].status == "done" and order.total.amount == 4500
    held = world.registry.read(lambda s: s.scalars(select(SiteDomain)).one())
    assert held.expires_at.year == world.clock.now().year + 4


def test_ledgers_balance(core, world):
    """Every user's balance equals the sum of their ledger; the house's likewise."""
    user = funded_user(core, world)
    core.place_order(user.id, [{"name": "a.example"}, {"name": "b.test", "years": 2}])

    def check(s):
        for u in s.scalars(select(SiteUser)):
            assert u.balance == sum(e.amount for e in s.scalars(select(SiteLedgerEntry).where(
                SiteLedgerEntry.user_id == u.id)))
        house = s.scalars(select(Registrar).where(Registrar.clid == "house")).one()
        assert house.balance == sum(e.amount for e in s.scalars(select(LedgerEntry).where(
            LedgerEntry.registrar_id == house.id)))
    world.registry.read(check)


def test_emoji_names_where_the_tld_allows_them(core, world):
    world.add_tld("fun", emoji_allowed=True)
    results = {r.name.rsplit(".", 1)[1]: r for r in core.search("\U0001f600smile")}
    assert results["fun"].available and results["fun"].unicode_name == "\U0001f600smile.fun"
    assert not results["example"].available and "emoji" in results["example"].reason
