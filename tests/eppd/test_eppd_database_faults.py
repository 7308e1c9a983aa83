"""The registrar is told the truth over EPP when eppd's database connection is lost around
COMMIT, or the database is gone for a while (real faults: tests/db_proxy.py between eppd and
MariaDB).

The reported cases: a renew whose COMMIT reached the server but whose answer was lost was
run again, saw the new expiry and answered 2306, while the renew had happened and been paid;
a 20 s outage logged 616 tracebacks.
"""

from __future__ import annotations

import pytest
from eppd_core_frames import create, fresh
from eppd_core_world import core_world
from sqlalchemy import select

from registry.models import LedgerEntry
from tests.db_proxy import DbProxy

pytestmark = pytest.mark.mariadb


@pytest.fixture(scope="module")
def proxy():
    proxy = DbProxy()
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory, pki, schema_check, proxy):
    with core_world(tmp_path_factory.mktemp("core-commit-loss"), pki, schema_check, "mariadb",
                    eppd_database=proxy.url, database={"commit_settle_seconds": 1.0}) as w:
        yield w


def renew(epp, name: str, expiry: str):
    return epp.command(f"<renew><d:renew><d:name>{name}</d:name><d:curExpDate>{expiry}"
                       "</d:curExpDate></d:renew></renew>")


def renewals(world, name: str) -> int:
    return world.registry.run(lambda ctx: len(ctx.session.scalars(select(LedgerEntry.id).where(
        LedgerEntry.object_name == name, LedgerEntry.kind == "renew")).all()))


def test_renew_whose_answer_was_lost_is_answered_1000_once(world, reg1, proxy):
    name = fresh()
    ex = create(reg1, name).text("e:response/e:resData/d:creData/d:exDate")[:10]
    armed = proxy.arm("after", "COMMIT", following=r"UPDATE domains .*")
    reply = renew(reg1, name, ex)
    assert armed.struck.is_set()
    assert reply.code == 1000, reply
    assert reply.text("e:response/e:resData/d:renData/d:exDate")[:4] == str(int(ex[:4]) + 1)
    assert renewals(world, name) == 1


def test_a_commit_that_cannot_be_confirmed_is_answered_2400_saying_so(world, reg1, proxy):
    name = fresh()
    ex = create(reg1, name).text("e:response/e:resData/d:creData/d:exDate")[:10]
    armed = proxy.arm("after", "COMMIT", following=r"UPDATE domains .*", then_refuse=True)
    try:
        reply = renew(reg1, name, ex)
    finally:
        proxy.refuse.clear()
    assert armed.struck.is_set()
    assert reply.code == 2400, reply
    assert "may have completed" in reply.msg
    assert renewals(world, name) == 1  # it had committed: never twice


def test_a_database_outage_is_answered_2400_and_logged_once(world, reg1, proxy):
    """Before, each command of an outage logged its traceback: 616 of them in 20 s."""
    names = [fresh() for _ in range(3)]
    proxy.go_down()
    try:
        for name in names * 4:
            for reply in (create(reg1, name), check(reg1, name)):
                assert reply.code == 2400, reply
                assert "database cannot be reached" in reply.msg
    finally:
        proxy.refuse.clear()
    assert create(reg1, names[0]).code == 1000  # the database is back
    assert world.log_mentions("the registry's database: available again")
    log = world.log_text()
    assert log.count("the registry's database: unavailable") == 1
    assert "Traceback" not in log


def check(epp, name: str):
    return epp.command(f"<check><d:check><d:name>{name}</d:name></d:check></check>")
