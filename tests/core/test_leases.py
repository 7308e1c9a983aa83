"""Leader leases (registry.leases) with an injected clock, on SQLite and MariaDB: who takes a
lease, when another node takes it over, and that a deposed holder's work cannot commit.
Several processes and a Galera cluster: tests/scaleout/."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from registry.config import ClusterSettings, ConfigError
from registry.errors import DatabaseUnavailable
from registry.leases import Leadership, LeaseLost
from registry.models import CommitReceipt, Lease

SETTINGS = dict(lease_seconds=15.0, renew_seconds=5.0)


def node(world, name: str, lost: list[str] | None = None) -> Leadership:
    return Leadership(world.registry, "lifecycle", ClusterSettings(node_id=name, **SETTINGS),
                      on_lost=lambda: (lost if lost is not None else []).append(name))


def write(registry, token: str) -> None:
    registry.run(lambda ctx: ctx.session.execute(insert(CommitReceipt).values(token=token)))


def written(world, token: str) -> bool:
    return world.registry.read(lambda s: s.scalar(
        select(func.count()).where(CommitReceipt.token == token))) == 1


def lease_row(world) -> tuple:
    return world.registry.read(lambda s: s.execute(
        select(Lease.holder, Lease.epoch, Lease.fenced).where(Lease.name == "lifecycle")).one())


def test_the_first_node_takes_the_lease_and_another_stands_by(world):
    a, b = node(world, "a"), node(world, "b")
    assert a.try_once().holder == "a" and a.held.epoch == 1
    state = b.try_once()
    assert b.held is None
    assert (state.holder, state.epoch) == ("a", 1)
    assert state.expires_at == world.clock.now() + timedelta(seconds=15)


def test_the_holder_renews_and_keeps_it_while_another_looks(world):
    a, b = node(world, "a"), node(world, "b")
    a.try_once()
    for _ in range(10):  # 50 s of renewals every 5 s: never free for b
        world.clock.advance(seconds=5)
        assert a.renew_once()
        b.try_once()
        assert b.held is None
    assert lease_row(world)[:2] == ("a", 1)


def test_another_node_takes_over_once_the_holder_stops_renewing(world):
    lost: list[str] = []
    a, b = node(world, "a", lost), node(world, "b", lost)
    fenced_a = Leadership.acquire(a, threading.Event(), renew=False)
    write(fenced_a, "a-while-held")
    world.clock.advance(seconds=14.999)
    b.try_once()
    assert b.held is None, "taken before the lease expired"
    world.clock.advance(seconds=0.001)
    assert b.try_once().holder == "b" and b.held.epoch == 2
    # the deposed holder's work no longer commits, and its renewal says it lost the lease
    with pytest.raises(LeaseLost):
        write(fenced_a, "a-after-takeover")
    assert written(world, "a-while-held") and not written(world, "a-after-takeover")
    assert not a.renew_once()
    assert lost == ["a"]


def test_work_after_the_lease_expired_cannot_commit_even_if_nobody_took_it(world):
    a = node(world, "a")
    fenced_a = a.acquire(threading.Event(), renew=False)
    world.clock.advance(seconds=15)
    with pytest.raises(LeaseLost):
        write(fenced_a, "late")
    assert not written(world, "late")
    # nobody held it meanwhile: a renewal takes it back, with the same epoch
    assert a.renew_once()
    write(fenced_a, "renewed")
    assert written(world, "renewed") and lease_row(world)[:2] == ("a", 1)


def test_fencing_writes_the_lease_row_only_for_transactions_that_wrote(world):
    a = node(world, "a")
    fenced_a = a.acquire(threading.Event(), renew=False)
    fenced_a.run(lambda ctx: ctx.session.scalar(select(func.count()).select_from(Lease)))
    assert lease_row(world)[2] == 0
    write(fenced_a, "one")
    write(fenced_a, "two")
    assert lease_row(world)[2] == 2
    # the registry it came from is not fenced
    a.held = None
    write(world.registry, "unfenced")
    with pytest.raises(LeaseLost):
        write(fenced_a, "three")


def test_a_restarted_process_of_the_holding_node_takes_over_at_once(world):
    old = node(world, "a")
    fenced_old = old.acquire(threading.Event(), renew=False)
    new = node(world, "a")
    assert new.try_once().epoch == 2 and new.held is not None
    with pytest.raises(LeaseLost):
        write(fenced_old, "from-the-dead-process")
    assert not written(world, "from-the-dead-process")


def test_a_released_lease_is_taken_at_the_next_look(world):
    a, b = node(world, "a"), node(world, "b")
    fenced_a = a.acquire(threading.Event(), renew=False)
    a.release()
    assert b.try_once().holder == "b"
    with pytest.raises(LeaseLost):
        write(fenced_a, "after-release")


def test_a_standby_says_so_once_and_waits(world):
    a = node(world, "a")
    a.try_once()
    stop = threading.Event()
    told: list[str] = []
    b = node(world, "b")
    assert b.acquire(stop, lambda state: (told.append(state.holder), stop.set())) is None
    assert told == ["a"] and b.held is None


def test_a_holder_that_cannot_reach_the_database_holds_until_its_lease_expires(world,
                                                                                 monkeypatch):
    lost: list[str] = []
    a = node(world, "a", lost)
    a.try_once()

    def unreachable(*_args):
        raise DatabaseUnavailable()

    monkeypatch.setattr(a, "_run", unreachable)
    world.clock.advance(seconds=14)
    assert a.renew_once() and not lost
    world.clock.advance(seconds=1)
    assert not a.renew_once()
    assert lost == ["a"] and a.lost.is_set()


def test_cluster_settings_refuse_a_renewal_period_the_lease_cannot_survive():
    with pytest.raises(ConfigError, match="renew_seconds"):
        ClusterSettings(lease_seconds=10, renew_seconds=6)
    assert ClusterSettings(node_id="").node  # the host's name
