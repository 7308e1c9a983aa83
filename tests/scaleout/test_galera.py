"""Two PyRar registries over two nodes of a MariaDB Galera cluster (tests/scaleout/galera.py:
two data nodes and an arbitrator on loopback, SST by mariadb-backup): the same-name race has
exactly one winner and the books balance across nodes; a lease taken over through the other
node fences the deposed holder's work (a certification conflict or a stale epoch, never a
commit); a leader process frozen (SIGSTOP) between reading the registry and writing
PowerDNS's rows, under creates through both nodes, is taken over through the other node and,
thawed, commits nothing (its PowerDNS write refused by the fence in that transaction); the
lease fails over when its holder's database node is killed; that node, down for more writes
than its gcache holds, rejoins by full SST (mariadb-backup) while the donor serves.

Both registries read with ``wsrep_sync_wait=1`` (set per connection through the URL's
``init_command``, as docs/scale-out.md says to): a node reads what another committed before.
``make galera`` runs this module (``.ci/run`` too); ``make test`` leaves it out."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, insert, select

from registry.clock import FixedClock
from registry.config import ClusterSettings
from registry.db import Database, create_database_if_missing, make_engine
from registry.errors import DatabaseUnavailable, EppError
from registry.flows.domain_create import DomainCreate
from registry.leases import Leadership, LeaseLost
from registry.migrate import upgrade
from registry.models import CommitReceipt, Domain, LedgerEntry, Registrar
from registry.service import Registry
from tests.core.invariants import check_invariants
from tests.core.world import SETTINGS, START, STRONG, World
from tests.scaleout.galera import Cluster, Node, galera_cluster
from tests.scaleout.test_lease_processes import (
    LEASE_SECONDS,
    RENEW_SECONDS,
    TAKEOVER_DEADLINE,
    Worker,
    workers,
)
from tests.waiting import wait_for
from zonegen.pdnsdb import MYSQL_SCHEMA

pytestmark = [pytest.mark.galera, pytest.mark.slow]

RACERS = 16
LEASES = ClusterSettings(lease_seconds=15.0, renew_seconds=5.0)
# small, so that a node down for a few writes of ballast must rejoin by full SST
GCACHE = "8M"
BALLAST_ROWS = 48          # of 256 KiB: 12 MiB of write sets, more than GCACHE
CUT_WRITES = 300           # small commits after it: every member reports a position past it


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    with galera_cluster(tmp_path_factory.mktemp("galera"), gcache_size=GCACHE) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture(scope="module")
def registries(cluster, clock) -> Iterator[list[Registry]]:
    urls = [node.url("pyrar", sync_wait=True) for node in cluster.nodes]
    create_database_if_missing(urls[0])
    engine = make_engine(urls[0])
    upgrade(engine)
    engine.dispose()
    registries = [Registry(Database(make_engine(url, pool_size=RACERS)), clock, SETTINGS)
                  for url in urls]
    yield registries
    for r in registries:
        r.close()


def test_a_name_raced_through_both_nodes_has_one_winner(registries, clock):
    first = World(registries[0], clock)
    first.add_tld("example")
    actors = [first.add_registrar(f"racer{i}") for i in range(4)]
    barrier = threading.Barrier(RACERS)

    def race(i: int) -> object:
        barrier.wait()
        try:  # even racers through node 1, odd ones through node 2
            registries[i % 2].execute(DomainCreate("contested.example", authinfo=STRONG),
                                      actors[i % 4])
            return 1000
        except EppError as e:
            return e.code
        except Exception as e:  # anything else fails the test
            return repr(e)

    with ThreadPoolExecutor(RACERS) as pool:
        outcomes = list(pool.map(race, range(RACERS)))
    assert sorted(outcomes, key=str) == [1000] + [2302] * (RACERS - 1), outcomes
    for registry in registries:  # each node, read after the other's writes
        world = World(registry, clock)
        assert world.task(lambda ctx: ctx.session.scalar(
            select(func.count()).select_from(Domain))) == 1
        balances = world.task(lambda ctx: {r.clid: r.balance for r in ctx.session.scalars(
            select(Registrar))})
        ledgers = world.task(lambda ctx: dict(ctx.session.execute(
            select(Registrar.clid, func.sum(LedgerEntry.amount))
            .join(LedgerEntry, LedgerEntry.registrar_id == Registrar.id)
            .group_by(Registrar.clid)).all()))
        assert balances == ledgers
        assert sorted(balances.values()) == [99_000] + [100_000] * 3
        world.task(check_invariants)


def write(registry: Registry, token: str) -> None:
    registry.run(lambda ctx: ctx.session.execute(insert(CommitReceipt).values(token=token)))


def written(registry: Registry, token: str) -> bool:
    return registry.read(lambda s: s.scalar(
        select(func.count()).where(CommitReceipt.token == token))) == 1


def test_a_lease_taken_over_through_the_other_node_fences_the_old_holder(registries, clock):
    old = Leadership(registries[0], "fencing", ClusterSettings(node_id="n1", **vars_of()),
                     on_lost=lambda: None)
    new = Leadership(registries[1], "fencing", ClusterSettings(node_id="n2", **vars_of()),
                     on_lost=lambda: None)
    fenced_old = old.acquire(threading.Event(), renew=False)
    write(fenced_old, "n1-held")
    assert new.try_once().holder == "n1"
    clock.advance(seconds=LEASES.lease_seconds)
    assert new.try_once().holder == "n2" and new.held.epoch == old.held.epoch + 1
    with pytest.raises(LeaseLost):
        write(fenced_old, "n1-deposed")
    assert written(registries[1], "n1-held") and not written(registries[1], "n1-deposed")
    assert not written(registries[0], "n1-deposed")


class Load:
    """Creates through both nodes, alternately, from a thread, until stopped: the registrars'
    commands while the singleton's leader changes. Each answer is kept."""

    def __init__(self, registries: list[Registry], clock: FixedClock, prefix: str) -> None:
        self.registries, self.prefix = registries, prefix
        self.actor = World(registries[0], clock).add_registrar(prefix, balance=10_000_000)
        self.answers: dict[str, object] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        i = 0
        while not self._stop.is_set():
            name = f"{self.prefix}{i}.example"
            try:
                self.registries[i % 2].execute(DomainCreate(name, authinfo=STRONG), self.actor)
                self.answers[name] = 1000
            except EppError as e:
                self.answers[name] = e.code
            except Exception as e:  # anything else fails the test
                self.answers[name] = repr(e)
            i += 1

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)


def names(registry: Registry, prefix: str) -> set[str]:
    return set(registry.read(lambda s: s.scalars(select(Domain.name).where(
        Domain.name.like(f"{prefix}%")))))


def galera_sql(node: Node, database: str, sql: str, data: bytes | None = None) -> str:
    """``sql`` (or, with ``data``, a script on stdin) run by the mariadb client on ``node``."""
    done = subprocess.run(["mariadb", "-h", node.host, "-P", str(node.port), "-u", "root",
                           "-N", "-B", database, *(["-e", sql] if data is None else [])],
                          input=data, capture_output=True, check=True, timeout=120)
    return done.stdout.decode()


def test_a_leader_frozen_on_one_node_is_taken_over_through_the_other(cluster, registries,
                                                                      clock, tmp_path):
    """Two workers (tests/scaleout/lease_worker.py) over the two nodes, each round writing
    the registry and then PowerDNS's rows (fenced in PowerDNS's transaction,
    zonegen.lease_fence), under a load of creates through both nodes: the leader frozen
    (SIGSTOP) past its lease, the other takes over within the stated time, and the thawed
    leader commits nothing more, in the registry or in PowerDNS's database."""
    first = cluster.nodes[0]
    galera_sql(first, "pyrar", "CREATE TABLE lease_work (id BIGINT AUTO_INCREMENT PRIMARY "
               "KEY, node VARCHAR(64) NOT NULL, epoch BIGINT NOT NULL)")
    galera_sql(first, "", "CREATE DATABASE pdns")
    galera_sql(first, "pdns", "", MYSQL_SCHEMA.read_bytes())
    urls = [node.url("pyrar", sync_wait=True) for node in cluster.nodes]

    def deposed_rows() -> tuple[str, str]:  # the first leader's, read through node 2
        return (galera_sql(cluster.nodes[1], "pyrar", "SET SESSION wsrep_sync_wait=1; SELECT "
                           "count(*) FROM lease_work WHERE epoch = 1"),
                galera_sql(cluster.nodes[1], "pdns", "SET SESSION wsrep_sync_wait=1; SELECT "
                           "count(*) FROM records WHERE content = 'a 1'"))

    with workers(urls[0], tmp_path) as w, Load(registries, clock, "load") as load:
        logs = lambda: "\n".join(x.output() for x in w.values())  # noqa: E731
        # a pause longer than the lease (GC, swap, a VM) between reading the registry and
        # writing PowerDNS's rows: a stops itself there once told to
        freeze = tmp_path / "freeze"
        w["a"] = Worker(urls[0], "a", tmp_path, pdns="pdns", freeze_file=freeze)
        wait_for("a leads", lambda: w["a"].said("leading 1"), 60, logs)
        w["b"] = Worker(urls[1], "b", tmp_path, pdns="pdns")
        wait_for("b stands by", lambda: w["b"].said("standing by"), 60, logs)
        wait_for("a wrote PowerDNS's rows", lambda: deposed_rows()[1].strip() != "0", 30, logs)
        freeze.touch()
        wait_for("a froze", w["a"].stopped, 60, logs)
        frozen = time.monotonic()
        wait_for("b took over", lambda: w["b"].said("leading 2"), TAKEOVER_DEADLINE, logs)
        took = time.monotonic() - frozen
        wait_for("b wrote PowerDNS's rows", lambda: galera_sql(
            first, "pdns", "SET SESSION wsrep_sync_wait=1; SELECT count(*) FROM records "
            "WHERE content = 'b 2'").strip() != "0", 30, logs)
        before = deposed_rows()
        w["a"].signal(signal.SIGCONT)
        assert w["a"].process.wait(60) == 3, logs()
        assert w["a"].said("fenced in PowerDNS's transaction"), logs()
        assert deposed_rows() == before, "the thawed leader committed after its takeover"
        assert w["b"].process.poll() is None, logs()
    print(f"takeover of a leader frozen on node 1, through node 2: {took:.1f} s "
          f"(lease {LEASE_SECONDS:g} s, renew {RENEW_SECONDS:g} s)")
    assert load.answers and set(load.answers.values()) == {1000}, load.answers
    # every node holds the same names and PowerDNS rows (what each node's PowerDNS serves)
    assert names(registries[0], "load") == names(registries[1], "load") == set(load.answers)
    served = [galera_sql(node, "pdns", "SET SESSION wsrep_sync_wait=1; SELECT name, content "
                         "FROM records ORDER BY id") for node in cluster.nodes]
    assert served[0] == served[1] and "b 2" in served[0]


def test_the_lease_fails_over_when_its_holders_node_is_killed(cluster, registries, clock):
    lost: list[str] = []
    holder = Leadership(registries[0], "failover", ClusterSettings(node_id="n1", **vars_of()),
                        on_lost=lambda: lost.append("n1"))
    standby = Leadership(registries[1], "failover", ClusterSettings(node_id="n2", **vars_of()),
                         on_lost=lambda: None)
    holder.acquire(threading.Event(), renew=False)
    assert standby.try_once().holder == "n1"

    cluster.nodes[0].kill()
    survivor = cluster.nodes[1]
    # the survivor and the arbitrator are the majority: still a primary component
    wait_for("node 2 sees node 1 gone", lambda: cluster.size(survivor) == 2, 60,
             lambda: survivor.log.read_text(errors="replace")[-4000:])
    assert cluster.primary(survivor)
    clock.advance(seconds=LEASES.lease_seconds - 1)
    assert holder.renew_once() and not lost  # node 1 unreachable: it holds until expiry
    assert standby.try_once().holder == "n1"
    clock.advance(seconds=1)
    state = standby.try_once()
    assert state.holder == "n2" and standby.held is not None
    assert not holder.renew_once() and lost == ["n1"]
    write(registries[1].fenced(standby.fence), "n2-after-failover")
    assert written(registries[1], "n2-after-failover")


def test_a_node_cut_off_from_the_majority_refuses_commands_and_heals(cluster, registries,
                                                                     clock):
    """After node 1's death, node 2 and the arbitrator are the majority; the arbitrator gone
    too, node 2 alone is no primary component: it refuses every statement, which PyRar
    answers as a database that cannot be reached (EPP 2400, nothing done)."""
    survivor = cluster.nodes[1]
    assert cluster.primary(survivor)
    assert cluster.arbitrator is not None
    cluster.arbitrator.kill()
    wait_for("node 2 non-primary", lambda: survivor.status("wsrep_cluster_status") not in
             (None, "Primary"), 60, lambda: survivor.log.read_text(errors="replace")[-4000:])
    with pytest.raises(DatabaseUnavailable):
        write(registries[1], "while-non-primary")
    cluster.arbitrator.start([survivor.gcomm])
    wait_for("node 2 primary again with the arbitrator back", lambda: cluster.primary(
        survivor), 60, lambda: survivor.log.read_text(errors="replace")[-4000:])
    write(registries[1], "primary-again")
    assert written(registries[1], "primary-again")
    assert not written(registries[1], "while-non-primary")


def vars_of() -> dict[str, float]:
    return {"lease_seconds": LEASES.lease_seconds, "renew_seconds": LEASES.renew_seconds}


def test_a_node_down_past_the_gcache_rejoins_by_sst(cluster, registries, clock):
    """Node 1, killed above, misses more writes than a gcache holds (GCACHE), so it cannot
    catch up by IST: started again, it gets a full SST by mariadb-backup from node 2, which
    serves commands meanwhile, and then holds every name."""
    down, donor = cluster.nodes
    assert down.process is None and cluster.primary(donor)
    world = World(registries[1], clock)
    actor = world.add_registrar("sst", balance=10_000_000)
    for i in range(5):
        registries[1].execute(DomainCreate(f"sst-down{i}.example", authinfo=STRONG), actor)
    galera_sql(donor, "pyrar", "CREATE TABLE ballast (id INT AUTO_INCREMENT PRIMARY KEY, "
               "b LONGBLOB)")
    for _ in range(BALLAST_ROWS):   # more than the gcache, in row-sized write sets
        galera_sql(donor, "pyrar", "INSERT INTO ballast (b) VALUES (REPEAT('x', 262144))")
    # Then small ones: the IST that follows an SST needs the donor's certification index,
    # preloaded from its gcache from the members' last reported position (reported every few
    # dozen commits); still inside the ballast, the preload fails and so does the state
    # transfer ("Cert index preload first seqno ... not found from gcache"). A gcache of
    # production size (1G) never meets this; one smaller than a burst of writes may.
    galera_sql(donor, "pyrar", "".join(f"INSERT INTO ballast (b) VALUES ('{i}');"
                                       for i in range(CUT_WRITES)))
    seen = len(down.log.read_bytes()) if down.log.exists() else 0

    started = time.monotonic()
    down.start([n.gcomm for n in cluster.nodes], bootstrap=False, wait=False)
    during = 0
    while not down.synced():  # the donor goes on serving through the SST
        assert down.process.poll() is None, down.log.read_text(errors="replace")[-4000:]
        registries[1].execute(DomainCreate(f"sst-during{during}.example", authinfo=STRONG),
                              actor)
        during += 1
        assert during < 10_000, "node 1 never synced"
    down.wait_synced()
    print(f"rejoin by SST: synced {time.monotonic() - started:.1f} s after its start; "
          f"{during} creates through the donor meanwhile")
    joined = down.log.read_bytes()[seen:].decode(errors="replace")
    # a full copy (what came in meanwhile follows by IST from the donor, as Galera does)
    assert "SST received" in joined, joined[-6000:]
    assert during > 0
    rejoined = Registry(Database(make_engine(down.url("pyrar", sync_wait=True))), clock,
                        SETTINGS)
    try:
        assert len(names(rejoined, "sst-")) == 5 + during
        assert names(rejoined, "") == names(registries[1], "")   # every name
    finally:
        rejoined.close()
