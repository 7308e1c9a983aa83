"""The zone publisher's lease fenced in PowerDNS's own transactions (zonegen.lease_fence), on
MariaDB with PowerDNS's database next to the registry's: the holder's writes commit; once
another node took the lease, a deposed publisher's write to PowerDNS's rows rolls back
(LeaseLost) and leaves nothing; without the registry's ``leases`` in reach (gsqlite3, another
server) there is no fence. Across Galera nodes with a frozen publisher:
tests/scaleout/test_galera_frozen.py."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator

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


@pytest.fixture
def registry() -> Iterator[Registry]:
    with scratch_mariadb("fence") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        registry = Registry(Database(make_engine(url)), FixedClock(START))
        yield registry
        registry.close()


@pytest.fixture
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


def leader(registry: Registry, node: str) -> Leadership:
    return Leadership(registry, "zone-publication", ClusterSettings(node_id=node, **LEASE),
                      on_lost=lambda: None)


def add_zone(db: PdnsDb, zone: str) -> None:
    with db.transaction():
        db.execute("INSERT INTO domains (name, type) VALUES (?, 'NATIVE')", (zone,))


def zones(db: PdnsDb) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM domains ORDER BY name").fetchall()]


def test_a_deposed_publishers_powerdns_write_rolls_back(registry, pdns):
    old, new = leader(registry, "n1"), leader(registry, "n2")
    assert old.acquire(threading.Event(), renew=False) is not None
    fence = lease_fence(pdns, old, registry.db.schema)
    assert fence is not None
    db = fence.attach(PdnsDb.open(pdns))
    try:
        add_zone(db, "held.example")
        registry.clock.advance(seconds=LEASE["lease_seconds"])
        assert new.try_once().holder == "n2"
        with pytest.raises(LeaseLost):
            add_zone(db, "deposed.example")
        assert zones(db) == ["held.example"]
        # the refused transaction changed nothing of the new holder's lease
        row = registry.read(lambda s: s.execute(select(Lease.holder, Lease.epoch, Lease.fenced)
                                                .where(Lease.name == "zone-publication")).one())
        assert tuple(row) == ("n2", old.held.epoch + 1, 0)
        # and the server ends a write transaction left idle by a frozen writer
        idle = db.execute("SELECT @@SESSION.idle_write_transaction_timeout").fetchone()[0]
        assert idle == LEASE["lease_seconds"]
    finally:
        db.close()


def test_a_publisher_that_lost_its_lease_writes_nothing(registry, pdns):
    holder = leader(registry, "n1")
    holder.acquire(threading.Event(), renew=False)
    fence = lease_fence(pdns, holder, registry.db.schema)
    db = fence.attach(PdnsDb.open(pdns))
    try:
        holder.lost.set()   # its renewal found another epoch
        with pytest.raises(LeaseLost):
            add_zone(db, "lost.example")
        assert zones(db) == []
    finally:
        db.close()


def test_no_fence_without_the_registrys_leases_in_reach(registry, pdns):
    holder = leader(registry, "n1")
    holder.acquire(threading.Event(), renew=False)
    assert lease_fence(PowerDnsSettings(), holder, registry.db.schema) is None   # gsqlite3
    assert lease_fence(pdns, holder, None) is None          # the registry on SQLite
    assert lease_fence(pdns, holder, "no_such_registry") is None   # another server's
    with pytest.raises(PdnsDbError):   # gmysql unreachable: said, not ignored
        lease_fence(PowerDnsSettings(backend="gmysql", mysql_port=1), holder, "x")
