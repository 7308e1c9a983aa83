"""Racing sessions on MariaDB: the database decides uniqueness and money stays consistent."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from registry.billing import credit
from registry.errors import EppError
from registry.flows.domain_create import DomainCreate, domain_create
from registry.models import Domain, LedgerEntry, Registrar
from tests.core.invariants import check_invariants
from tests.core.world import STRONG

THREADS = 50


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_fifty_sessions_create_the_same_name(world, tld):
    actors = [world.add_registrar(f"racer{i}") for i in range(5)]
    barrier = threading.Barrier(THREADS)
    outcomes: list[object] = [None] * THREADS

    def race(i):
        barrier.wait()
        try:
            world.run(DomainCreate("contested.example", authinfo=STRONG), actors[i % 5])
            outcomes[i] = 1000
        except EppError as e:
            outcomes[i] = e.code
        except Exception as e:  # anything else is a failure of the test
            outcomes[i] = repr(e)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [1000] + [2302] * (THREADS - 1), outcomes
    assert world.task(lambda ctx: ctx.session.scalar(
        select(func.count()).select_from(Domain))) == 1
    balances = sorted(world.registrar(a).balance for a in actors)
    assert balances == [99_000] + [100_000] * 4
    world.task(check_invariants)


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_parallel_spending_never_exceeds_credit(world, tld):
    """Twenty creates racing on one registrar that can afford exactly seven."""
    poor = world.add_registrar("poor", balance=7000)
    barrier = threading.Barrier(20)
    codes = []
    lock = threading.Lock()

    def buy(i):
        barrier.wait()
        try:
            world.run(DomainCreate(f"name{i}.example", authinfo=STRONG), poor)
            code = 1000
        except EppError as e:
            code = e.code
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [1000] * 7 + [2104] * 13
    assert world.registrar(poor).balance == 0
    world.task(check_invariants)


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_locked_domain_does_not_hold_up_its_tld(world, tld):
    """Changing one domain locks that domain only: a create or an update elsewhere in the
    same TLD, by the same registrar, goes ahead meanwhile."""
    from registry.flows.domain_update import DomainUpdate
    from registry.flows.lookup import get_domain

    alice = world.add_registrar("alice")
    for name in ("held.example", "other.example"):
        world.run(DomainCreate(name, authinfo=STRONG), alice)
    locked, release = threading.Event(), threading.Event()

    def hold(ctx):
        get_domain(ctx, "held.example")  # SELECT ... FOR UPDATE
        locked.set()
        assert release.wait(10)

    done: list[int] = []

    def elsewhere():
        done.append(world.run(DomainCreate("new.example", authinfo=STRONG), alice).code)
        done.append(world.run(DomainUpdate("other.example", add_statuses=("clientHold",)),
                              alice).code)

    holder = threading.Thread(target=lambda: world.registry.run(hold, alice))
    holder.start()
    try:
        assert locked.wait(10)
        other = threading.Thread(target=elsewhere)
        other.start()
        other.join(5)
        assert done == [1000, 1000], "held up by the lock on another domain"
    finally:
        release.set()
        holder.join()
        other.join()


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_locked_payer_is_read_fresh_and_billed_from_that_read(world, tld):
    """A payer loaded (and held) before another session topped it up: the create's lock
    reads it again, and its ledger and answer show the balance after both moves."""
    alice = world.add_registrar("alice")

    def create_after_a_stale_read(ctx):
        held = ctx.session.get(Registrar, alice.registrar_id)  # in the identity map
        world.task(lambda other: credit(other, alice.registrar_id, 5000, "payment", None,
                                        "top-up meanwhile"))
        assert held.balance == 100_000
        return domain_create(ctx, DomainCreate("fresh.example", authinfo=STRONG)), held

    created, held = world.task(create_after_a_stale_read, alice)
    assert created.charge.balance == held.balance == 104_000
    assert world.registrar(alice).balance == 104_000
    last = world.task(lambda ctx: ctx.session.scalars(select(LedgerEntry).where(
        LedgerEntry.registrar_id == alice.registrar_id).order_by(LedgerEntry.id.desc())).first())
    assert (last.kind, last.amount, last.balance_after) == ("create", -1000, 104_000)
    world.task(check_invariants)
