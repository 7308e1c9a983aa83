"""Money: debits in the command's transaction, 2104 when short, refunds, ledger, low balance."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.admin.registrars import PastCreditLimit, credit_registrar
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_renew import DomainRenew
from registry.flows.poll_messages import PollRequest
from registry.models import Domain, LedgerEntry
from registry.values import Period
from tests.core.invariants import check_invariants
from tests.core.world import STRONG


def test_balance_plus_credit_limit_decides(world, tld):
    poor = world.add_registrar("poor", balance=1500, credit_limit=600)
    world.run(DomainCreate("one.example", authinfo=STRONG), poor)  # 1500 -> 500
    world.run(DomainCreate("two.example", authinfo=STRONG), poor)  # 500 -> -500 (credit)
    err = world.fails(2104, DomainCreate("three.example", authinfo=STRONG), poor)
    assert "insufficient funds" in err.reason
    assert world.registrar(poor).balance == -500
    names = world.task(lambda ctx: sorted(ctx.session.scalars(select(Domain.name))))
    assert names == ["one.example", "two.example"]  # the failed create left nothing
    world.task(check_invariants)


def test_multi_year_prices_and_ledger_running_balance(world, alice):
    created = world.run(DomainCreate("foo.example", Period(3), authinfo=STRONG), alice).result
    assert created.charge.total == 3000
    world.run(DomainRenew("foo.example", created.expires_at.date(), Period(2)), alice)
    entries = world.task(lambda ctx: ctx.session.scalars(select(LedgerEntry).where(
        LedgerEntry.registrar_id == alice.registrar_id).order_by(LedgerEntry.id)).all())
    assert [(e.kind, e.amount, e.balance_after) for e in entries] == [
        ("payment", 100_000, 100_000), ("create", -3000, 97_000), ("renew", -2000, 95_000)]
    assert all(e.svtrid for e in entries[1:])
    world.task(check_invariants)


def test_low_balance_poll_message_once_then_rearmed(world, tld):
    low = world.add_registrar("low", balance=2500, low_balance_threshold=2000)
    crossed = world.run(DomainCreate("a.example", authinfo=STRONG), low)  # 1500 < 2000
    # the create's answer counts the message it queued (its queue was read before)
    assert crossed.queue.count == 1
    still = world.run(DomainCreate("b.example", authinfo=STRONG), low)  # no second one
    msg = world.run(PollRequest(), low)
    assert msg.result.message.kind == "low_balance"
    assert msg.queue.count == 1
    assert still.queue == crossed.queue == msg.queue
    world.task(lambda ctx: credit_registrar(ctx, "low", 10_000, "top-up"))
    world.run(DomainCreate("c.example", authinfo=STRONG), low)
    assert world.run(PollRequest(), low).queue.count == 1
    # the correction leaves it 5.00 past its credit limit of 0: only when forced
    with pytest.raises(PastCreditLimit):
        world.task(lambda ctx: credit_registrar(ctx, "low", -10_000, "correction"))
    world.task(lambda ctx: credit_registrar(ctx, "low", -10_000, "correction", force=True))
    assert world.run(PollRequest(), low).queue.count == 2  # re-armed by the top-up
    world.task(check_invariants)


def test_premium_prices(world, tld):
    from registry.admin.tlds import add_premium
    from registry.flows.fees import FeeAgreement

    world.task(lambda ctx: add_premium(ctx, "example", "^(.|..)$", regex=True, currency="USD",
                                       prices={"create": 50_000, "renew": 20_000}))
    world.task(lambda ctx: add_premium(ctx, "example", "gold", regex=False, currency="USD",
                                       prices={"create": 90_000}, class_name="gold"))
    rich = world.add_registrar("rich", balance=1_000_000)
    world.fails(2004, DomainCreate("ab.example", authinfo=STRONG), rich)
    world.fails(2004, DomainCreate("ab.example", authinfo=STRONG, fee=FeeAgreement(49_999)),
                rich)
    r = world.run(DomainCreate("ab.example", authinfo=STRONG, fee=FeeAgreement(50_000)), rich)
    assert r.result.charge.total == 50_000
    r = world.run(DomainCreate("gold.example", authinfo=STRONG, fee=FeeAgreement(90_000, "USD")),
                  rich)
    assert r.result.charge.total == 90_000
    r = world.run(DomainCreate("standard.example", authinfo=STRONG), rich)
    assert r.result.charge.total == 1000


def test_a_free_create_is_billed_and_recorded(world):
    """A create priced 0 still debits (the UPDATE finds the row though it changes nothing)
    and writes its ledger row: on MariaDB the compound statement's ROW_COUNT() counts the
    rows found, as the driver's rowcount does."""
    world.add_tld("free", prices={"create": 0})
    alice = world.add_registrar("alice", balance=0)
    created = world.run(DomainCreate("gratis.free", authinfo=STRONG), alice).result
    assert (created.charge.total, created.charge.balance) == (0, 0)
    entries = world.task(lambda ctx: [(e.kind, e.amount, e.balance_after, e.object_name)
                                      for e in ctx.session.scalars(select(LedgerEntry).where(
                                          LedgerEntry.registrar_id == alice.registrar_id))])
    assert entries == [("create", 0, 0, "gratis.free")]
    world.task(check_invariants)


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_create_is_four_round_trips_and_the_debit_holds_its_lock_for_one(
        world, alice, monkeypatch):
    """On MariaDB a create sends: the name check, the domain's INSERT, one compound
    statement (its grace period, history, DNS event and commit receipt, then the debit,
    the ledger row and the balance read back), COMMIT. The payer's account is locked from
    the compound's UPDATE to COMMIT: one round trip besides COMMIT's. A create refused for
    want of funds is the same statements but COMMIT and leaves nothing."""
    import threading

    from pymysql.connections import Connection

    from tests.core.db_state import dump

    sent: list[str] = []
    send = Connection._execute_command
    me = threading.get_ident()

    def counting(self, command, sql):
        if threading.get_ident() == me:
            sent.append(sql if isinstance(sql, str) else sql.decode())
        return send(self, command, sql)

    world.run(DomainCreate("warm.example", authinfo=STRONG), alice)  # caches fill
    monkeypatch.setattr(Connection, "_execute_command", counting)
    created = world.run(DomainCreate("counted.example", authinfo=STRONG), alice).result
    assert len(sent) == 4, sent
    check, domain, compound, end = sent
    assert check.startswith("SELECT") and domain.startswith("INSERT INTO domains")
    assert compound.startswith("BEGIN NOT ATOMIC") and end == "COMMIT"
    locked = compound.index("UPDATE registrar_accounts")
    for table in ("grace_periods", "`history`", "events", "commit_receipts"):
        assert -1 < compound.index(f"INSERT INTO {table}") < locked, table
    assert locked < compound.index("INSERT INTO ledger")
    assert created.charge.balance == 100_000 - 2 * 1000
    world.task(check_invariants)

    monkeypatch.setattr(Connection, "_execute_command", send)
    poor = world.add_registrar("poor", balance=500)
    world.fails(2104, DomainCreate("unpaid.example", authinfo=STRONG), poor)  # caches fill
    before = dump(world.registry.db.engine)
    monkeypatch.setattr(Connection, "_execute_command", counting)
    sent.clear()
    world.fails(2104, DomainCreate("unpaid.example", authinfo=STRONG), poor)
    assert [s.split(" ", 1)[0] for s in sent] == ["SELECT", "INSERT", "BEGIN", "ROLLBACK"]
    assert dump(world.registry.db.engine) == before
