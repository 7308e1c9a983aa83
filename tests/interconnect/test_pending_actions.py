"""A registry that answers a create 1001 (action pending, RFC 5730) decides later: the
order item waits ("awaiting": paid, not refunded, the order not finished) until the
registry's ``<domain:panData>`` (RFC 5731 3.3) says how it ended: the name becomes the
user's, or the item fails and is refunded with the registry's decision. The registry here
is an EPP client stand-in behind the real upstream backend (registrar/backends/remote.py,
remote_orders.py, upstream_poll.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from eppclient import PollMessage
from eppclient.domain import DomainCreated, DomainInfo
from eppclient.responses import Availability
from registrar.models import SiteDomain
from registrar.upstream_poll import apply
from tests.interconnect.fake_registry import DOMAIN, core_with_upstream, response
from tests.registrar.conftest import (  # noqa: F401
    TEST_SETTINGS,
    database,
    funded_user,
    mails,
    world,
)


class SlowRegistry:
    """The EPP client of a registry that takes creates for later (1001)."""

    clid = "site1"

    def __init__(self, now) -> None:
        self.expires = now + timedelta(days=365)
        self.created: list[str] = []

    def offers(self, uri: str) -> bool:
        return False  # no fee-1.0: the upstream's flat prices

    async def domain_check(self, *names, fees=()):
        return [Availability(n, n not in self.created, None) for n in names]

    async def domain_create(self, name, *, auth_info, years=1, price=None, **contacts):
        self.created.append(name)
        return DomainCreated(name, None, None, None, response(1001))

    async def domain_info(self, name, auth_info=None, hosts="all"):
        return DomainInfo(name, "R1", ("ok",), None, (), (), (), "site1", "site1", None,
                          None, None, self.expires, None, None)


def pan_data(msg_id: str, name: str, succeeded: bool) -> PollMessage:
    res = (f'<resData><domain:panData xmlns:domain="{DOMAIN}"><domain:name paResult='
           f'"{int(succeeded)}">{name}</domain:name><domain:paTRID><clTRID>C1</clTRID>'
           "<svTRID>S0</svTRID></domain:paTRID><domain:paDate>2026-01-03T00:00:00Z"
           "</domain:paDate></domain:panData></resData>")
    queue = f'<msgQ count="1" id="{msg_id}"><qDate>2026-01-03T00:00:00Z</qDate></msgQ>'
    return PollMessage(msg_id, 1, None, None, response(1301, res, queue))


def test_a_pending_create_waits_for_the_registrys_decision(world, tmp_path):  # noqa: F811
    registry = SlowRegistry(world.clock.now())
    core = core_with_upstream(world, tmp_path, TEST_SETTINGS, registry, "slow",
                              flat_prices=(("create", "30.00"),))
    user = funded_user(core, world)
    remote = core.reads(lambda ctx: core.upstreams.backends(ctx))[0]
    balance = core.me(user.id).balance.amount

    taken = core.place_order(user.id, [{"name": "yes.slow"}, {"name": "no.slow"}])
    assert [i.status for i in taken.items] == ["awaiting", "awaiting"]
    assert taken.status == "paid" and registry.created == ["yes.slow", "no.slow"]
    assert core.me(user.id).balance.amount == balance - 6000
    assert mails(world, "receipt") == []

    def run(msg: PollMessage) -> None:
        core.tx(lambda ctx: apply(ctx, core.backend, remote, TEST_SETTINGS, msg))

    run(pan_data("21", "yes.slow", True))
    held = core.reads(lambda ctx: ctx.session.scalars(select(SiteDomain).where(
        SiteDomain.name == "yes.slow")).first())
    assert (held.user_id, held.state, held.backend) == (user.id, "active", "slow")
    assert held.expires_at == registry.expires
    assert core.order(user.id, taken.id).status == "paid"  # one item still undecided

    run(pan_data("22", "no.slow", False))
    order = core.order(user.id, taken.id)
    assert [i.status for i in order.items] == ["done", "failed"]
    assert order.items[1].error == "the registry of slow declined the create of no.slow"
    assert order.status == "done"
    assert core.me(user.id).balance.amount == balance - 3000
    assert [m["values"]["order_id"] for m in mails(world, "receipt")] == [taken.id]
    assert [m["values"]["order_id"] for m in mails(world, "order_failed")] == [taken.id]
    # a panData nobody waits for (the same name again) changes nothing more
    run(pan_data("23", "no.slow", True))
    assert core.reads(lambda ctx: ctx.session.scalars(select(SiteDomain).where(
        SiteDomain.name == "no.slow")).first()) is None
