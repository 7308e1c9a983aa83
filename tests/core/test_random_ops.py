"""1,000 random commands by three registrars over simulated years: afterwards every balance
equals its ledger and no object is in an impossible state."""

from __future__ import annotations

import random
from collections import Counter

from sqlalchemy import select

from registry.errors import EppError
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_delete import DomainDelete
from registry.flows.domain_info import DomainInfoQuery
from registry.flows.domain_renew import DomainRenew
from registry.flows.domain_restore import DomainRestoreReport, DomainRestoreRequest
from registry.flows.domain_transfer import (
    DomainTransferApprove,
    DomainTransferCancel,
    DomainTransferReject,
    DomainTransferRequest,
)
from registry.flows.domain_update import DomainUpdate
from registry.flows.host_create import HostCreate
from registry.flows.host_delete import HostDelete
from registry.flows.poll_messages import PollAck, PollRequest
from registry.models import Domain, PollMessage
from registry.scheduler import run_due
from registry.values import HostAddress, Period
from tests.core.invariants import check_invariants
from tests.core.world import STRONG

OPERATIONS = 1000
NAMES = [f"n{i}.example" for i in range(60)]
# The codes a random command may legitimately end with; anything else fails the test.
EXPECTED = {1000, 1001, 1300, 1301, 2004, 2104, 2106, 2201, 2202, 2300, 2301, 2302, 2303,
            2304, 2305, 2306}


def test_random_operations_keep_the_books_and_states_right(world, tld):
    rng = random.Random(20261128)
    actors = [world.add_registrar(clid, balance=funds,
                                  credit_limit=rng.choice([0, 5000]))
              for clid, funds in (("reg-a", 8000), ("reg-b", 500_000), ("reg-c", 5_000_000))]
    codes: Counter = Counter()

    def expiry_of(name, actor):
        try:
            return world.run(DomainInfoQuery(name, authinfo=STRONG), actor).result.expires_at
        except EppError:
            return world.clock.now()

    def own_names(actor):
        return world.task(lambda ctx: list(ctx.session.scalars(select(Domain.name).where(
            Domain.sponsor_id == actor.registrar_id))))

    def command(actor):
        choice = rng.randrange(16)
        mine = own_names(actor) if choice not in (0, 1, 2, 3, 6) else []
        name = rng.choice(mine) if mine and rng.random() < 0.8 else rng.choice(NAMES)
        if choice < 4:
            return DomainCreate(name, Period(rng.randint(1, 3)), authinfo=STRONG,
                                nameservers=rng.sample(["ns1.n1.example", "ns.ext.net"],
                                                       int(rng.random() < 0.2)))
        if choice == 4:
            return DomainDelete(name)
        if choice == 5:
            return DomainRenew(name, expiry_of(name, actor).date(), Period(rng.randint(1, 2)))
        if choice == 6:
            return DomainTransferRequest(name, STRONG)
        if choice == 7:
            return rng.choice([DomainTransferApprove, DomainTransferReject,
                               DomainTransferCancel])(name)
        if choice == 8:
            return DomainUpdate(name, add_statuses=(rng.choice(
                ["clientHold", "clientDeleteProhibited", "clientTransferProhibited"]),))
        if choice == 9:
            return DomainUpdate(name, rem_statuses=(rng.choice(
                ["clientHold", "clientDeleteProhibited", "clientTransferProhibited"]),))
        if choice == 10:
            return DomainRestoreRequest(name)
        if choice == 11:
            now = world.clock.now()
            return DomainRestoreReport(name, "pre", "post", now, now, "mistake", ("ok",))
        if choice == 12:
            return rng.choice([HostCreate("ns1.n1.example", (HostAddress("192.0.2.7"),)),
                               HostCreate("ns.ext.net"), HostDelete("ns1.n1.example")])
        if choice == 13:
            return PollRequest()
        if choice == 14:
            # one of the actor's queued messages (any order is allowed), or, one time in five,
            # a number that may be no message of its own (ids go on from earlier tests)
            queued = world.task(lambda ctx: list(ctx.session.scalars(
                select(PollMessage.id).where(PollMessage.registrar_id == actor.registrar_id,
                                             PollMessage.acked_at.is_(None)))))
            if queued and rng.random() < 0.8:
                return PollAck(str(rng.choice(queued)))
            return PollAck(str(rng.randint(1, 400)))
        return None  # let time pass

    for _ in range(OPERATIONS):
        actor = rng.choice(actors)
        cmd = command(actor)
        if cmd is None:
            days = rng.choice([1, 1, 3, 3, 10, 40, 200])
            world.clock.advance(days=days, seconds=rng.randint(0, 99))
            continue
        try:
            codes[world.run(cmd, actor).code] += 1
        except EppError as e:
            assert e.code in EXPECTED, f"{type(cmd).__name__}: {e.code} {e.reason}"
            codes[e.code] += 1
        if rng.random() < 0.02:
            world.task(check_invariants)

    assert codes[1000] > 120 and codes[1001] > 20 and codes[2302] > 10, codes  # real work
    world.task(check_invariants)
    report = run_due(world.registry)
    assert report.failed == 0
    world.task(check_invariants)
