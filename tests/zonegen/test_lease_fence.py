"""The zone publisher's lease fenced in PowerDNS's own transactions (zonegen.lease_fence), on
MariaDB with PowerDNS's database next to the registry's: the holder's writes commit; once
another node took the lease, a deposed publisher's write to PowerDNS's rows rolls back
(LeaseLost) and leaves nothing; one frozen between the fence and COMMIT does not hold up the
takeover (the server ends its transaction); without the registry's ``leases`` in reach
(gsqlite3, another server) there is no fence. Across Galera nodes with a frozen publisher:
tests/scaleout/test_galera.py."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from collections.abc import Iterator

import pymysql
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from registry.clock import FixedClock
from registry.config import ClusterSettings
from registry.db import Database, make_engine
from registry.leases import Leadership, LeaseLost
from registry.migrate import upgrade
from registry.models import Lease
from registry.service import Registry
from tests.core.world import START
from tests.databases import scratch_mariadb
from zonegen.config import PowerDnsSettings
from zonegen.lease_fence import lease_fence
from zonegen.pdnsdb import MYSQL_SCHEMA, PdnsDb, PdnsDbError

pytestmark = [pytest.mark.mariadb]

LEASE = dict(lease_seconds=15.0, renew_seconds=5.0)
LOCK_WAIT_SLACK = 20.0  # a loaded machine: a deadline, not a figure


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    with scratch_mariadb("fence") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        registry = Registry(Database(make_engine(url)), FixedClock(START))
        yield registry
        registry.close()


@pytest.fixture(scope="module")
def pdns(registry) -> Iterator[PowerDnsSettings]:
    """PowerDNS's schema in a database of its own on the registry's server."""
    url = make_url(str(registry.db.engine.url))
    with scratch_mariadb("fence_pdns") as pdns_url:
        name = make_url(pdns_url).database
        subprocess.run(["mariadb", "-h", url.host or "127.0.0.1", "-P", str(url.port or 3306),
                        "-u", url.username or "root", "--skip-ssl", name],
                       input=MYSQL_SCHEMA.read_bytes(), check=True, capture_output=True)
        yield PowerDnsSettings(backend="gmysql", mysql_host=url.host or "127.0.0.1",
                               mysql_port=url.port or 3306, mysql_user=url.username or "root",
                               mysql_password=url.password or "", mysql_database=name)


@pytest.fixture
def lease() -> str:
    """A lease of the test's own: the tests share the registry (and its clock)."""
    return f"zone-publication-{uuid.uuid4().hex[:8]}"


def leader(registry: Registry, lease: str, node: str, **settings: float) -> Leadership:
    return Leadership(registry, lease, ClusterSettings(node_id=node, **(settings or LEASE)),
                      on_lost=lambda: None)


def add_zone(db: PdnsDb, zone: str) -> None:
    with db.transaction():
        db.execute("INSERT INTO domains (name, type) VALUES (?, 'NATIVE')", (zone,))


def zones(db: PdnsDb, lease: str) -> list[str]:
    """The zones a test named after its lease."""
    return [r[0] for r in db.execute("SELECT name FROM domains WHERE name LIKE ? ORDER BY name",
                                     (f"%.{lease}",)).fetchall()]


def test_a_deposed_publishers_powerdns_write_rolls_back(registry, pdns, lease):
    old, new = leader(registry, lease, "n1"), leader(registry, lease, "n2")
    assert old.acquire(threading.Event(), renew=False) is not None
    fence = lease_fence(pdns, old, registry.db.schema)
    assert fence is not None
    db = fence.attach(PdnsDb.open(pdns))
    try:
        add_zone(db, f"held.{lease}")
        registry.clock.advance(seconds=LEASE["lease_seconds"])
        assert new.try_once().holder == "n2"
        with pytest.raises(LeaseLost):
            add_zone(db, f"deposed.{lease}")
        assert zones(db, lease) == [f"held.{lease}"]
        # the refused transaction changed nothing of the new holder's lease
        row = registry.read(lambda s: s.execute(select(Lease.holder, Lease.epoch, Lease.fenced)
                                                .where(Lease.name == lease)).one())
        assert tuple(row) == ("n2", old.held.epoch + 1, 0)
        # and the server ends a write transaction left idle by a frozen writer
        idle = db.execute("SELECT @@SESSION.idle_write_transaction_timeout").fetchone()[0]
        assert idle == LEASE["lease_seconds"]
    finally:
        db.close()


def test_a_publisher_that_lost_its_lease_writes_nothing(registry, pdns, lease):
    holder = leader(registry, lease, "n1")
    holder.acquire(threading.Event(), renew=False)
    fence = lease_fence(pdns, holder, registry.db.schema)
    db = fence.attach(PdnsDb.open(pdns))
    try:
        holder.lost.set()   # its renewal found another epoch
        with pytest.raises(LeaseLost):
            add_zone(db, f"lost.{lease}")
        assert zones(db, lease) == []
    finally:
        db.close()


def test_no_fence_without_the_registrys_leases_in_reach(registry, pdns, lease):
    holder = leader(registry, lease, "n1")
    holder.acquire(threading.Event(), renew=False)
    assert lease_fence(PowerDnsSettings(), holder, registry.db.schema) is None   # gsqlite3
    assert lease_fence(pdns, holder, None) is None          # the registry on SQLite
    assert lease_fence(pdns, holder, "no_such_registry") is None   # another server's
    with pytest.raises(PdnsDbError):   # gmysql unreachable: said, not ignored
        lease_fence(PowerDnsSettings(backend="gmysql", mysql_port=1), holder, "x")


def test_a_publisher_frozen_after_the_fence_does_not_hold_up_the_takeover(registry, pdns,
                                                                          lease):
    """Frozen between the fence and COMMIT, a publisher holds the lease row: the server ends
    its transaction after ``lease_seconds`` idle, the takeover goes through, and the frozen
    transaction's COMMIT fails with nothing written."""
    short = ClusterSettings(lease_seconds=2.0, renew_seconds=1.0)
    old = leader(registry, lease, "n1", **vars_of(short))
    new = leader(registry, lease, "n2", **vars_of(short))
    old.acquire(threading.Event(), renew=False)
    fence = lease_fence(pdns, old, registry.db.schema)
    db = fence.attach(PdnsDb.open(pdns))
    try:
        db.execute(db.begin_sql)
        db.execute("INSERT INTO domains (name, type) VALUES (?, 'NATIVE')", (f"frozen.{lease}",))
        fence(db)   # and then nothing: frozen
        registry.clock.advance(seconds=short.lease_seconds)
        started = time.monotonic()
        assert new.try_once().holder == "n2"
        waited = time.monotonic() - started
        assert short.lease_seconds - 0.5 < waited < short.lease_seconds + LOCK_WAIT_SLACK
        with pytest.raises(pymysql.MySQLError):
            db.execute("COMMIT")
    finally:
        db.close()
    fresh = PdnsDb.open(pdns)
    try:
        assert zones(fresh, lease) == []
    finally:
        fresh.close()


def vars_of(settings: ClusterSettings) -> dict[str, float]:
    return {"lease_seconds": settings.lease_seconds, "renew_seconds": settings.renew_seconds}
