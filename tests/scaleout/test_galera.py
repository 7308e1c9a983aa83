"""Two PyRar registries over two nodes of a MariaDB Galera cluster (tests/scaleout/galera.py:
two data nodes and an arbitrator on loopback, SST by mariadb-backup): the same-name race has
exactly one winner and the books balance across nodes; a lease taken over through the other
node fences the deposed holder's work (a certification conflict or a stale epoch, never a
commit); the lease fails over when its holder's database node is killed.

Both registries read with ``wsrep_sync_wait=1`` (set per connection through the URL's
``init_command``, as docs/scale-out.md says to): a node reads what another committed before.
``make galera`` runs this module (``.ci/run`` too); ``make test`` leaves it out."""

from __future__ import annotations

import threading
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
from tests.scaleout.galera import Cluster, galera_cluster
from tests.waiting import wait_for

pytestmark = [pytest.mark.galera, pytest.mark.slow]

RACERS = 16
LEASES = ClusterSettings(lease_seconds=15.0, renew_seconds=5.0)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    with galera_cluster(tmp_path_factory.mktemp("galera")) as cluster:
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
