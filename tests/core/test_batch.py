"""Registry.execute_batch: read-only commands sharing one transaction answer exactly as alone."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from registry.errors import EppError
from registry.flows.domain_check import DomainCheck
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_info import DomainInfoQuery
from registry.flows.fees import FeeQuery
from registry.flows.host_check import HostCheck
from registry.flows.poll_messages import PollRequest
from registry.models import Registrar
from registry.values import Period, Trid
from tests.core.world import STRONG


def test_batch_answers_like_single_commands(world, alice, bob):
    world.run(DomainCreate("taken.example", authinfo=STRONG), alice)
    commands = [
        (DomainCheck(("taken.example", "free.example", "bad_name.example")), alice),
        (DomainCheck(("free.example", "x.nothere"),
                     fees=(FeeQuery("create", Period(2)),)), bob),
        (DomainInfoQuery("taken.example"), alice),
        (DomainInfoQuery("taken.example"), bob),  # not the sponsor: 2201
        (HostCheck(("ns1.example.net",)), bob),
        (PollRequest(), alice),
    ]
    batch = world.registry.execute_batch([(c, a, Trid.new()) for c, a in commands])
    for (command, actor), got in zip(commands, batch, strict=True):
        try:
            alone = world.run(command, actor)
        except EppError as e:
            assert isinstance(got, EppError) and got.code == e.code and got.reason == e.reason
            continue
        assert got.result == alone.result
        assert got.queue == alone.queue
    assert batch[0].result.names[0].reason == "In use"
    assert batch[1].result.names[0].fees[0].fee.amount == 2000


def test_batch_refuses_commands_that_change_things(world, alice):
    with pytest.raises(TypeError):
        world.registry.execute_batch([(DomainCreate("a.example", authinfo=STRONG), alice,
                                       Trid.new())])


def test_a_due_domain_in_a_check_batch_is_settled_first(world, alice, bob):
    """A pure-read batch falls back to a transaction when a checked name has events due."""
    from datetime import timedelta

    from registry.flows.domain_delete import DomainDelete

    created = world.run(DomainCreate("due.example", authinfo=STRONG), alice).result
    world.run(DomainCreate("gone.example", authinfo=STRONG), alice)
    world.clock.advance(days=10)
    world.run(DomainDelete("gone.example"), alice)
    world.clock.set(created.expires_at + timedelta(days=36))  # gone.example is purged by now
    batch = world.registry.execute_batch([
        (DomainCheck(("due.example", "gone.example")), bob, Trid.new())])
    names = batch[0].result.names
    assert (names[0].available, names[1].available) == (False, True)
    assert world.run(DomainInfoQuery("due.example"), alice).result.rgp_statuses == (
        "autoRenewPeriod",)
    assert batch[0].queue.count == 0
    assert world.run(PollRequest(), alice).queue.count >= 2  # autorenew + purge messages


def _connection_id(session) -> int:
    return session.connection().exec_driver_sql("SELECT CONNECTION_ID()").scalar()


def test_a_thread_keeps_its_reader_between_batches(world, alice):
    """Pure-read batches on one thread reuse one connection, and no loaded object stays."""
    if world.registry.db.dialect == "sqlite":
        pytest.skip("the kept autocommit reader is MariaDB's (SQLite reads in a transaction)")
    db = world.registry.db
    with db.reads() as session:
        first = _connection_id(session)
        assert len(session.scalars(select(Registrar)).all()) == 1
    with db.reads() as session:
        assert _connection_id(session) == first
        assert len(session.identity_map) == 0


def test_a_batch_survives_its_reader_connection_being_dropped(world, alice, bob):
    """The server kills the kept connection (as wait_timeout would): the next batch answers
    on a fresh one, and so do the ones after."""
    if world.registry.db.dialect == "sqlite":
        pytest.skip("the kept autocommit reader is MariaDB's (SQLite reads in a transaction)")
    world.run(DomainCreate("taken.example", authinfo=STRONG), alice)
    db = world.registry.db
    check = [(DomainCheck(("taken.example", "free.example")), bob, Trid.new())]
    batch = world.registry.execute_batch(check)
    assert [n.available for n in batch[0].result.names] == [False, True]
    with db.reads() as session:
        kept = _connection_id(session)
    with db.engine.begin() as conn:
        conn.execute(text(f"KILL CONNECTION {kept}"))
    for _ in range(2):
        batch = world.registry.execute_batch(check)
        assert [n.available for n in batch[0].result.names] == [False, True]
    with db.reads() as session:
        assert _connection_id(session) != kept


def test_a_reader_left_idle_goes_back_to_the_pool(world, alice, monkeypatch):
    """A kept reader unused for longer than HELD_READER_IDLE_SECONDS is closed (its connection
    returns to the pool, whose recycling applies again) and a new one opened."""
    if world.registry.db.dialect == "sqlite":
        pytest.skip("the kept autocommit reader is MariaDB's (SQLite reads in a transaction)")
    import registry.db

    db = world.registry.db
    with db.reads() as session:
        first, first_connection = session, _connection_id(session)
    pool = first.get_bind().pool
    assert pool.checkedout() == 1
    monkeypatch.setattr(registry.db, "HELD_READER_IDLE_SECONDS", 0.0)
    with db.reads() as session:
        assert session is not first
        assert _connection_id(session) == first_connection  # the pool's, handed out again
        assert pool.checkedout() == 1
    assert first.get_transaction() is None  # closed: it holds no connection any more


def test_a_reader_refuses_writes_before_sending_them(world, alice):
    """Autocommit would make a write in a read-only session stand alone: an ORM flush and a
    Core statement are both refused, and nothing reaches the database."""
    if world.registry.db.dialect == "sqlite":
        pytest.skip("the kept autocommit reader is MariaDB's (SQLite reads in a transaction)")
    from sqlalchemy import insert

    from registry.db import ReadOnlyViolation
    from registry.models import Event

    db = world.registry.db
    with pytest.raises(ReadOnlyViolation), db.reads() as session:
        session.execute(insert(Event.__table__),
                        {"consumer": "x", "kind": "dns.changed", "payload": {}, "attempts": 0,
                         "created_at": world.clock.now()})
    # the hot paths' statements straight on the DB-API cursor are refused the same way
    from registry.billing import _DEBIT
    from registry.events.emit import _INSERT as events_insert

    with pytest.raises(ReadOnlyViolation), db.reads() as session:
        events_insert.run(session, {"consumer": "x", "kind": "dns.changed", "payload": {},
                                    "created_at": world.clock.now()})
    balance = world.registrar(alice).balance
    with pytest.raises(ReadOnlyViolation), db.reads() as session:
        _DEBIT.rowcount(session, {"id": alice.registrar_id, "amount": 1})
    assert world.registrar(alice).balance == balance
    with pytest.raises(ReadOnlyViolation), db.reads() as session:
        session.scalars(select(Registrar)).one().name = "renamed"
        session.flush()
    with db.reads() as session:
        assert session.scalars(select(Event).where(Event.consumer == "x")).all() == []
        assert session.scalars(select(Registrar)).one().name != "renamed"


def test_a_batch_of_infos_reads_its_domains_and_their_parts_once(world, alice, bob):
    """Infos of several domains in one batch answer exactly as alone (name servers,
    registrant, contacts, DS data, a domain whose auto-renewal is due, a missing and a bad
    name, another registrar's), and the batch reads its domains and all their parts in a
    query each, not two for every info."""
    from sqlalchemy import event

    from tests.core.objects import DS, make_contact, make_domain, make_host

    make_domain(world, alice, "due.example")
    world.clock.advance(days=364)
    make_contact(world, alice, "reg-1")
    make_host(world, bob, "ns1.bob.net")
    make_domain(world, alice, "full.example", registrant="reg-1", contacts=(("admin", "reg-1"),),
                nameservers=("ns1.bob.net",), ds_data=(DS,))
    make_domain(world, alice, "plain.example")
    make_domain(world, bob, "bobs.example")
    world.clock.advance(days=2)  # due.example expired: its auto-renewal is due
    commands = [DomainInfoQuery(n) for n in (
        "full.example", "plain.example", "bobs.example", "missing.example", "bad_name.example")]
    engine = world.registry.db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    def batch(names=commands):
        return world.registry.execute_batch([(c, alice, Trid.new()) for c in names])

    batch()  # the policy and registrar caches fill
    event.listen(engine, "before_cursor_execute", count)
    try:
        answers = batch()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    domain_reads = [s for s in statements if "domains" in s or "grace_periods" in s]
    assert len(domain_reads) == 2, statements  # the rows, then every part
    answers += batch([DomainInfoQuery("due.example"), DomainInfoQuery("plain.example")])
    commands += [DomainInfoQuery("due.example"), DomainInfoQuery("plain.example")]
    for command, got in zip(commands, answers, strict=True):
        try:
            alone = world.run(command, alice)
        except EppError as e:
            assert isinstance(got, EppError) and (got.code, got.reason) == (e.code, e.reason)
            continue
        assert got.result == alone.result
    full = answers[0].result
    assert (full.registrant, full.contacts, full.nameservers, full.ds_data) == (
        "reg-1", (("admin", "reg-1"),), ("ns1.bob.net",), (DS,))
    assert [getattr(a, "code", 1000) for a in answers[2:5]] == [2201, 2303, 2303]
    assert answers[5].result.rgp_statuses == ("autoRenewPeriod",)


def test_a_batch_told_not_to_wait_reads_a_snapshot_and_refuses_to_settle(world, alice):
    """may_wait=False (eppd's reactor thread): infos answer as alone from one read-only
    snapshot; a batch that must settle a due domain raises MustWait having changed nothing,
    and runs, settling it, when it may wait."""
    from registry.service import MustWait
    from tests.core.db_state import dump
    from tests.core.objects import make_domain

    make_domain(world, alice, "due.example")
    world.clock.advance(days=364)
    make_domain(world, alice, "fresh.example")
    make_domain(world, alice, "other.example")
    world.clock.advance(days=2)  # due.example's auto-renewal is due
    fresh = [(DomainInfoQuery(n), alice, Trid.new()) for n in ("fresh.example", "other.example")]
    got = world.registry.execute_batch(fresh, may_wait=False)
    assert [r.result for r in got] == [world.run(c, a).result for c, a, _ in fresh]
    engine = world.registry.db.engine
    before = dump(engine)
    for due in ([(DomainInfoQuery("due.example"), alice, Trid.new())],
                [(DomainCheck(("due.example",)), alice, Trid.new())]):
        with pytest.raises(MustWait):
            world.registry.execute_batch(fresh + due, may_wait=False)
        assert dump(engine) == before
    got = world.registry.execute_batch(fresh + due, may_wait=True)
    assert got[2].result.names[0].available is False
    assert world.run(DomainInfoQuery("due.example"), alice).result.rgp_statuses == (
        "autoRenewPeriod",)


def test_a_snapshot_ends_with_its_work_and_the_reader_sees_later_changes(world, alice):
    """The kept reader's read-only transaction is closed whether its work succeeds or is
    refused (a locking read): the next reads see what was committed meanwhile."""
    if world.registry.db.dialect == "sqlite":
        pytest.skip("the kept autocommit reader is MariaDB's (SQLite reads in a transaction)")
    from registry.db import ReadOnlyViolation
    from registry.models import Domain
    from tests.core.objects import make_domain

    db = world.registry.db

    def names(session):
        return sorted(session.scalars(select(Domain.name)))

    assert db.run_snapshot_reads(names) == []
    make_domain(world, alice, "one.example")
    assert db.run_reads(names) == ["one.example"]
    with pytest.raises(ReadOnlyViolation):
        db.run_snapshot_reads(lambda s: s.scalars(select(Domain).with_for_update()).all())
    make_domain(world, alice, "two.example")
    assert db.run_snapshot_reads(names) == ["one.example", "two.example"]
    assert db.run_reads(names) == ["one.example", "two.example"]
