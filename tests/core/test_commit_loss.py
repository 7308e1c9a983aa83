"""A command runs exactly once and its caller is told the truth, when the database
connection is lost before, during or right after COMMIT (real faults: tests/db_proxy.py
between the registry and MariaDB).

For each money-moving command: the connection is lost before COMMIT is sent (nothing
committed: the command runs again), right after the server has committed (the command must
find its own commit and answer with its first result, not run again), or right after one of
its statements ran (rolled back with the connection: it runs again). Afterwards the ledger,
the balance and the domain hold what the caller was told, exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pyrar.cli.main import main
from registry.admin.registrars import credit_registrar
from registry.clock import FixedClock
from registry.db import Database, make_engine
from registry.errors import CommitOutcomeUnknown
from registry.flows.context import Actor
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_delete import DomainDelete
from registry.flows.domain_info import DomainInfoQuery
from registry.flows.domain_renew import DomainRenew
from registry.flows.domain_restore import DomainRestoreRequest
from registry.flows.domain_transfer import DomainTransferApprove, DomainTransferRequest
from registry.models import Domain, LedgerEntry
from registry.periods import add_years
from registry.service import Registry
from tests.core.invariants import check_invariants
from tests.core.world import START, STRONG, World
from tests.db_proxy import DbProxy

pytestmark = pytest.mark.mariadb

# a statement alone, or in a compound statement (MariaDB: registry.driver_statements)
IN_COMPOUND = r"(BEGIN NOT ATOMIC .*)?"
WRITE = IN_COMPOUND + r"(INSERT|UPDATE|DELETE) .*"
FAULTS = {
    "before-commit": ("before", r"COMMIT"),
    "after-commit": ("after", r"COMMIT"),
    # a statement of the command itself ran; the connection, and the transaction, are lost
    "mid-command": ("after", IN_COMPOUND + r"(INSERT INTO ledger|UPDATE domains) .*"),
}


def arm(stage: Stage, fault: str, **kwargs):
    when, statement = FAULTS[fault]
    return stage.proxy.arm(when, statement, following=WRITE if "COMMIT" in statement else None,
                           **kwargs)


@dataclass
class Stage:
    world: World       # commands go through the proxy
    proxy: DbProxy
    direct: World      # checks read MariaDB directly


@pytest.fixture(scope="module")
def migrated(mariadb_migrated):
    return mariadb_migrated  # the session's database (tests/conftest.py)


@pytest.fixture
def stage(migrated):
    proxy = DbProxy()
    clock = FixedClock(START)
    through = Registry(Database(make_engine(proxy.url(migrated), pool_size=2),
                                settle_seconds=5.0), clock)
    direct = Registry(Database(make_engine(migrated, pool_size=2)), clock)
    yield Stage(World(through, clock), proxy, World(direct, clock))
    through.close()
    direct.close()
    proxy.close()


_names = iter(range(10**6))


def fresh(stage: Stage) -> tuple[str, Actor, Actor]:
    """A TLD of the test's own, with two funded registrars."""
    n = next(_names)
    tld = f"t{n}x"
    stage.direct.add_tld(tld)
    return tld, stage.direct.add_registrar(f"a{n}x"), stage.direct.add_registrar(f"b{n}x")


def ledger(stage: Stage, actor: Actor) -> list[tuple[str, int]]:
    return stage.direct.task(lambda ctx: [tuple(r) for r in ctx.session.execute(
        select(LedgerEntry.kind, LedgerEntry.amount).where(
            LedgerEntry.registrar_id == actor.registrar_id).order_by(LedgerEntry.id))])


def balance(stage: Stage, actor: Actor) -> int:
    return stage.direct.registrar(actor).balance


def strike(stage: Stage, fault: str, command, actor: Actor):
    """Run ``command`` with the fault armed; the fault must really have struck."""
    armed = arm(stage, fault)
    response = stage.world.run(command, actor)
    assert armed.struck.is_set(), f"the {fault} fault never struck"
    stage.direct.task(check_invariants)
    return response


@pytest.mark.parametrize("fault", FAULTS)
def test_create(stage, fault):
    tld, alice, _ = fresh(stage)
    before = balance(stage, alice)
    r = strike(stage, fault, DomainCreate(f"won.{tld}", authinfo=STRONG), alice)
    assert r.code == 1000 and r.result.name == f"won.{tld}"
    assert ledger(stage, alice)[1:] == [("create", -1000)]
    assert balance(stage, alice) == before - 1000
    assert stage.direct.task(lambda ctx: ctx.session.scalar(
        select(func.count()).select_from(Domain).where(Domain.name == f"won.{tld}"))) == 1


@pytest.mark.parametrize("fault", FAULTS)
def test_renew(stage, fault):
    tld, alice, _ = fresh(stage)
    created = stage.direct.run(DomainCreate(f"kept.{tld}", authinfo=STRONG), alice).result
    before = balance(stage, alice)
    r = strike(stage, fault, DomainRenew(f"kept.{tld}", created.expires_at.date()), alice)
    # before the fix, the retry after a lost COMMIT saw the new expiry and answered 2306
    assert r.code == 1000
    assert r.result.expires_at == add_years(created.expires_at, 1)
    assert ledger(stage, alice)[2:] == [("renew", -1000)]
    assert balance(stage, alice) == before - 1000
    info = stage.direct.run(DomainInfoQuery(f"kept.{tld}"), alice).result
    assert info.expires_at == add_years(created.expires_at, 1)


@pytest.mark.parametrize("fault", FAULTS)
def test_transfer_approve(stage, fault):
    tld, alice, bob = fresh(stage)
    name = f"moved.{tld}"
    created = stage.direct.run(DomainCreate(name, authinfo=STRONG), alice).result
    stage.world.clock.advance(days=10)
    stage.direct.run(DomainTransferRequest(name, STRONG), bob)
    bob_before, alice_before = balance(stage, bob), balance(stage, alice)
    r = strike(stage, fault, DomainTransferApprove(name), alice)
    assert r.code == 1000 and r.result.transfer.status == "clientApproved"
    info = stage.direct.run(DomainInfoQuery(name), bob).result
    assert info.sponsor == bob.name
    assert info.expires_at == add_years(created.expires_at, 1)
    assert ledger(stage, bob)[1:] == [("transfer", -800)]  # billed once, at the request
    assert (balance(stage, bob), balance(stage, alice)) == (bob_before, alice_before)


@pytest.mark.parametrize("fault", FAULTS)
def test_restore(stage, fault):
    tld, alice, _ = fresh(stage)
    name = f"back.{tld}"
    stage.direct.run(DomainCreate(name, authinfo=STRONG), alice)
    stage.world.clock.advance(days=10)  # past add grace: the delete goes to redemption
    assert stage.direct.run(DomainDelete(name), alice).code == 1001
    before = balance(stage, alice)
    r = strike(stage, fault, DomainRestoreRequest(name), alice)
    assert r.code == 1000 and r.result.rgp_status == "pendingRestore"
    assert [k for k, _ in ledger(stage, alice)].count("restore") == 1
    assert balance(stage, alice) == before - 5000


@pytest.mark.parametrize("fault", FAULTS)
def test_credit(stage, fault):
    _, alice, _ = fresh(stage)
    before = balance(stage, alice)
    armed = arm(stage, fault)
    entry = stage.world.task(lambda ctx: credit_registrar(ctx, alice.name, 555, "wire"))
    assert armed.struck.is_set()
    assert entry.amount == 555 and entry.balance_after == before + 555
    assert ledger(stage, alice)[1:] == [("payment", 555)]
    assert balance(stage, alice) == before + 555


def test_unknown_outcome_is_said_and_never_a_second_run(stage):
    """The database unreachable after a COMMIT it received: the caller hears that the
    outcome is unknown (EPP 2400 with a reason), and the command ran once."""
    tld, alice, _ = fresh(stage)
    created = stage.direct.run(DomainCreate(f"maybe.{tld}", authinfo=STRONG), alice).result
    stage.world.registry.db.settle_seconds = 0.5
    armed = arm(stage, "after-commit", then_refuse=True)
    with pytest.raises(CommitOutcomeUnknown) as unknown:
        stage.world.run(DomainRenew(f"maybe.{tld}", created.expires_at.date()), alice)
    assert armed.struck.is_set()
    assert unknown.value.code == 2400
    assert "may have completed" in unknown.value.reason
    stage.proxy.refuse.clear()
    info = stage.direct.run(DomainInfoQuery(f"maybe.{tld}"), alice).result
    assert info.expires_at == add_years(created.expires_at, 1)  # it had committed, once
    assert [k for k, _ in ledger(stage, alice)].count("renew") == 1


def test_a_lost_commit_of_a_read_runs_again_without_a_receipt(stage):
    """A transaction that wrote nothing needs no receipt: losing its COMMIT is harmless."""
    tld, alice, _ = fresh(stage)
    stage.direct.run(DomainCreate(f"read.{tld}", authinfo=STRONG), alice)
    armed = stage.proxy.arm("after", "COMMIT", following=r"SELECT .*FROM domains.*")
    r = stage.world.run(DomainInfoQuery(f"read.{tld}"), alice)
    assert armed.struck.is_set() and r.result.name == f"read.{tld}"


def test_receipts_are_pruned_by_age(stage):
    from registry import commit
    from registry.models import CommitReceipt

    fresh(stage)  # writes, so receipts exist
    count = func.count()
    assert stage.direct.task(lambda ctx: ctx.session.scalar(
        select(count).select_from(CommitReceipt))) > 0
    assert stage.direct.task(lambda ctx: commit.prune(ctx.session, 3600)) == 0
    stage.direct.task(lambda ctx: commit.prune(ctx.session, -timedelta(
        minutes=1).total_seconds()))
    # the pruning transaction writes its own receipt, which is all that is left
    assert stage.direct.task(lambda ctx: ctx.session.scalar(
        select(count).select_from(CommitReceipt))) == 1


def cli_config(stage: Stage, tmp_path, settle: float) -> str:
    url = stage.world.registry.db.engine.url.render_as_string(hide_password=False)
    path = tmp_path / "pyrar.toml"
    path.write_text(f'[database]\nurl = "{url}"\ncommit_settle_seconds = {settle}\n')
    return str(path)


def test_cli_credit_after_a_lost_commit_is_one_credit(stage, tmp_path, capsys, monkeypatch):
    """The reported case: `pyrar registrar credit` put two credits in the ledger."""
    monkeypatch.delenv("PYRAR_CONFIG", raising=False)
    _, alice, _ = fresh(stage)
    before = balance(stage, alice)
    armed = arm(stage, "after-commit")
    status = main(["--config", cli_config(stage, tmp_path, 5.0), "registrar", "credit",
                   alice.name, "5.55"])
    out = capsys.readouterr().out
    assert armed.struck.is_set() and status == 0
    assert out == f"registrar {alice.name}: balance now {(before + 555) / 100:.2f} USD\n"
    assert ledger(stage, alice)[1:] == [("payment", 555)]


def test_cli_says_when_the_outcome_is_unknown(stage, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("PYRAR_CONFIG", raising=False)
    _, alice, _ = fresh(stage)
    config = cli_config(stage, tmp_path, 0.5)
    armed = arm(stage, "after-commit", then_refuse=True)
    status = main(["--config", config, "registrar", "credit", alice.name, "5.55"])
    captured = capsys.readouterr()
    assert armed.struck.is_set() and status == 1 and captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyrar: error: Command outcome unknown")
    stage.proxy.refuse.clear()
    assert ledger(stage, alice)[1:] == [("payment", 555)]  # it had committed, once
