"""Every command has a time budget (registry.deadlines): a database that stops answering,
or a row lock held too long, ends the command with 2400 "rolled back, changed nothing", and
it really changed nothing (real faults: tests/db_proxy.py holds MariaDB's answers back)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from registry.admin.registrars import credit_registrar
from registry.clock import FixedClock
from registry.db import Database, make_engine
from registry.errors import CommandTimedOut
from registry.flows.domain_check import DomainCheck
from registry.flows.domain_create import DomainCreate
from registry.models import Domain, LedgerEntry, Registrar
from registry.service import Registry
from tests.core.world import START, STRONG, World
from tests.db_proxy import DbProxy

pytestmark = pytest.mark.mariadb

# Only for code without budgets: a stalled answer is released after this long, so such
# code fails the test (the command succeeds late) instead of hanging the suite.
WATCHDOG_SECONDS = 30.0


@pytest.fixture(scope="module")
def migrated(mariadb_migrated):
    return mariadb_migrated  # the session's database (tests/conftest.py)


@pytest.fixture
def proxy():
    proxy = DbProxy()
    yield proxy
    proxy.close()


@pytest.fixture
def worlds(migrated, proxy):
    """(through the proxy with a 1 s budget and 1 s lock waits, direct)."""
    clock = FixedClock(START)
    through = Registry(Database(make_engine(proxy.url(migrated), pool_size=2,
                                            lock_wait_seconds=1),
                                command_seconds=1.0, settle_seconds=2.0), clock)
    direct = Registry(Database(make_engine(migrated, pool_size=2)), clock)
    yield World(through, clock), World(direct, clock)
    through.close()
    direct.close()


_names = iter(range(10**6))


def stalled(proxy: DbProxy, statement: str):
    fault = proxy.arm("stall", statement)
    watchdog = threading.Timer(WATCHDOG_SECONDS, fault.release.set)
    watchdog.daemon = True
    watchdog.start()
    return fault


def test_a_database_that_stops_answering_ends_the_command_rolled_back(worlds, proxy):
    through, direct = worlds
    n = next(_names)
    direct.add_tld(f"d{n}x")
    alice = direct.add_registrar(f"d{n}x")
    before = direct.registrar(alice).balance
    fault = stalled(proxy, r"INSERT INTO domains .*")
    with pytest.raises(CommandTimedOut) as timed_out:
        through.run(DomainCreate(f"late.d{n}x", authinfo=STRONG), alice)
    assert fault.struck.is_set()
    assert timed_out.value.code == 2400 and "changed nothing" in timed_out.value.reason
    fault.release.set()
    assert direct.task(lambda ctx: ctx.session.scalar(
        select(Domain.id).where(Domain.name == f"late.d{n}x"))) is None
    assert direct.registrar(alice).balance == before
    # the budget is the command's: the next one has its own
    assert through.run(DomainCreate(f"next.d{n}x", authinfo=STRONG), alice).code == 1000


def test_a_row_lock_held_past_the_budget_ends_the_command(worlds, migrated):
    through, direct = worlds
    n = next(_names)
    direct.add_tld(f"l{n}x")
    alice = direct.add_registrar(f"l{n}x")
    holder = make_engine(migrated, pool_size=1)
    try:
        with holder.connect() as conn:
            conn.execute(text("SELECT id FROM registrars WHERE id = :i FOR UPDATE"),
                         {"i": alice.registrar_id})
            with pytest.raises(CommandTimedOut):
                through.task(lambda ctx: credit_registrar(ctx, alice.name, 100, "blocked"))
            conn.rollback()
    finally:
        holder.dispose()
    kinds = direct.task(lambda ctx: list(ctx.session.scalars(select(LedgerEntry.kind).where(
        LedgerEntry.registrar_id == alice.registrar_id))))
    assert kinds == ["payment"]  # only the initial funds
    assert direct.task(lambda ctx: ctx.session.get(Registrar, alice.registrar_id).balance) == \
        direct.registrar(alice).balance


def test_reads_have_a_budget_too(worlds, proxy):
    """eppd's reactor thread answers checks through these reads: a frozen database must not
    hold it (and every session of its worker) for ever."""
    through, direct = worlds
    n = next(_names)
    direct.add_tld(f"r{n}x")
    alice = direct.add_registrar(f"r{n}x")
    command = DomainCheck((f"free.r{n}x",))
    assert through.registry.execute_batch([(command, alice, None)])  # connections made
    fault = stalled(proxy, r"SELECT .*")
    with pytest.raises(CommandTimedOut):
        through.registry.execute_batch([(command, alice, None)])
    assert fault.struck.is_set()
