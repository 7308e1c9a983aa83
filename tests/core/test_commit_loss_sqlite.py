"""The exactly-once rule on SQLite, whose COMMIT has no connection to lose: the driver's
commit reports an error either before SQLite committed or after it did (as a disk I/O error
reported late would), and the command still runs once and answers the truth.

The fault sits in the DB-API connection (a ``sqlite3.Connection`` whose ``commit`` fails
once, around the real commit): SQLite runs in-process, so there is no wire to cut.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event, select

from registry.admin.registrars import credit_registrar
from registry.clock import FixedClock
from registry.db import Database, make_engine
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_info import DomainInfoQuery
from registry.flows.domain_renew import DomainRenew
from registry.migrate import upgrade
from registry.models import LedgerEntry
from registry.periods import add_years
from registry.service import Registry
from tests.core.world import START, STRONG, World

ARMED: dict[str, str] = {}  # "when" -> "before" or "after" the real commit; one shot


class FailingCommit(sqlite3.Connection):
    def commit(self) -> None:
        when = ARMED.pop("when", None)
        if when == "before":
            raise sqlite3.OperationalError("disk I/O error")
        super().commit()
        if when == "after":
            raise sqlite3.OperationalError("disk I/O error")


@pytest.fixture
def world(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'registry.sqlite3'}")
    upgrade(engine)

    @event.listens_for(engine, "do_connect")
    def _factory(_dialect, _record, _cargs, cparams):
        cparams["factory"] = FailingCommit

    engine.dispose()  # connections made from now on fail on demand
    registry = Registry(Database(engine, settle_seconds=2.0), FixedClock(START))
    yield World(registry, registry.clock)
    ARMED.clear()
    registry.close()


def kinds(world: World, registrar_id: int) -> list[str]:
    return world.task(lambda ctx: list(ctx.session.scalars(select(LedgerEntry.kind).where(
        LedgerEntry.registrar_id == registrar_id).order_by(LedgerEntry.id))))


@pytest.mark.parametrize("when", ["before", "after"])
def test_credit_once(world, when):
    world.add_tld("example")
    alice = world.add_registrar("alice")
    before = world.registrar(alice).balance
    ARMED["when"] = when
    entry = world.task(lambda ctx: credit_registrar(ctx, "alice", 555, "wire"))
    assert "when" not in ARMED  # the fault struck
    assert entry.balance_after == before + 555
    assert kinds(world, alice.registrar_id) == ["payment", "payment"]
    assert world.registrar(alice).balance == before + 555


@pytest.mark.parametrize("when", ["before", "after"])
def test_renew_once(world, when):
    world.add_tld("example")
    alice = world.add_registrar("alice")
    created = world.run(DomainCreate("kept.example", authinfo=STRONG), alice).result
    ARMED["when"] = when
    r = world.run(DomainRenew("kept.example", created.expires_at.date()), alice)
    assert "when" not in ARMED
    assert r.code == 1000 and r.result.expires_at == add_years(created.expires_at, 1)
    assert kinds(world, alice.registrar_id).count("renew") == 1
    info = world.run(DomainInfoQuery("kept.example"), alice).result
    assert info.expires_at == add_years(created.expires_at, 1)
