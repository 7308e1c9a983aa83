"""The drainer (events consumer "dns") converges DNS to the registry's data, whatever dies in
between."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from zonegen_helpers import DS1, make_spec

from registry.clock import FixedClock
from registry.events.delivery import RetryPolicy
from tests.waiting import wait_for
from zonegen.drainer import OutboxDrainer
from zonegen.model import Delegation
from zonegen.pdnsdb import PdnsDb
from zonegen.probe import check_delegation
from zonegen.reference_state import ReferenceState
from zonegen.sync import ZoneSync

pytestmark = pytest.mark.pdns


@pytest.fixture
def state(tmp_path):
    s = ReferenceState(tmp_path / "core.sqlite3")
    yield s
    s.close()


def _drainer(pdns, state, **kw) -> OutboxDrainer:
    return OutboxDrainer(state, state, lambda: PdnsDb.open(pdns.settings), pdns.api(), **kw)


def _random_delegation(rnd: random.Random, name: str) -> Delegation:
    kind = rnd.randrange(3)
    if kind == 0:
        return Delegation(name, ("ns1.example.net.", "ns2.example.net."))
    ds = (DS1,) if rnd.random() < 0.5 else ()
    return Delegation(name, (f"ns1.{name}",), {f"ns1.{name}": [f"192.0.2.{rnd.randrange(1, 250)}"]},
                      ds)


def _change_stream(state: ReferenceState, zone: str, count: int, seed: int,
                   pause: float = 0.0) -> set[str]:
    rnd = random.Random(seed)
    owners = [f"d{i}.{zone}" for i in range(25)] + [f"x{i}.co.{zone}" for i in range(5)]
    for _ in range(count):
        owner = rnd.choice(owners)
        if rnd.random() < 0.25:
            state.remove(zone, owner)
        else:
            state.put(zone, _random_delegation(rnd, owner))
        if pause:
            time.sleep(pause)
    return set(owners)


def _assert_dns_matches(pdns, db, probe, state, zone: str, owners: set[str]) -> None:
    spec = state.zone_spec(zone)
    # the database rows are exactly the desired ones...
    dry = ZoneSync(db).sync(spec, list(state.delegations(zone)), dry_run=True)
    assert (dry.inserted, dry.deleted) == (0, 0)
    # ...and PowerDNS answers them, signed, live
    info = db.domain(zone)
    keys = probe.dnskeys(zone)
    faults = []
    for owner in sorted(owners):
        faults += check_delegation(probe, zone, info.denial, owner,
                                   state.delegation(zone, owner), keys)
    assert faults == []


def _wait_drained(state: ReferenceState, timeout: float = 60) -> None:
    wait_for("the outbox to drain", lambda: state.pending_count() == 0, timeout,
             lambda: f"{state.pending_count()} entries left")


def _last_outbox_id(state: ReferenceState) -> int:
    """Grows with every change the core commits (drained entries are deleted)."""
    return state.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'"
                              ).fetchone()[0]


def _waiting_for_the_writer_lock(thread: threading.Thread) -> bool:
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        if frame.f_code.co_name == "_acquire":  # PdnsDb's writer lock, taken by another
            return True
        frame = frame.f_back
    return False


def test_drainer_publishes_and_replays_idempotently(pdns, db, probe, state, zone_name) -> None:
    spec = make_spec(zone_name)
    state.put_zone(spec)
    owners = _change_stream(state, zone_name, 120, seed=1)
    drainer = _drainer(pdns, state)
    report = drainer.run_until_idle()
    assert report.synced == [zone_name] and report.errors == []
    assert state.pending_count() == 0
    _assert_dns_matches(pdns, db, probe, state, zone_name, owners)

    # replaying every owner changes nothing
    for owner in owners:
        state.publish(zone_name, owner)
    again = drainer.run_until_idle()
    assert again.processed == len(owners) and again.changed == []


def test_unpublishable_data_is_a_counted_failure_then_a_dead_letter(pdns, db, probe, state,
                                                                    zone_name) -> None:
    spec = make_spec(zone_name)
    state.put_zone(spec)
    errors = []
    clock = FixedClock(datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
    drainer = _drainer(pdns, state, on_error=lambda e, msg: errors.append((e, msg)),
                       retry=RetryPolicy(max_attempts=2, first_delay=30), clock=clock)
    drainer.run_until_idle()
    good = Delegation(f"good.{zone_name}", ("ns.example.net.",))
    state.put(zone_name, good)
    state.put(zone_name, Delegation(f"bad.{zone_name}", ("ns.example.net.",)))
    # data the core should have refused: a DS digest of the wrong length
    state.conn.execute("UPDATE delegation SET ds = ? WHERE name = ?",
                       (json.dumps(["1 13 2 abcd"]), f"bad.{zone_name}"))
    report = drainer.run_until_idle()
    # the good change is published and acknowledged; the bad one waits, counted
    assert len(errors) == 1 and "needs 32 bytes" in errors[0][1]
    assert errors[0][0].owner == f"bad.{zone_name}"
    assert report.errors == [errors[0][1]] and list(report.failed.values()) == [errors[0][1]]
    assert state.failures() == [(f"bad.{zone_name}", 1, errors[0][1], False)]
    info = db.domain(zone_name)
    assert check_delegation(probe, zone_name, info.denial, good.name, good) == []
    assert drainer.run_until_idle().processed == 0           # backing off
    clock.advance(timedelta(seconds=30))
    assert drainer.run_until_idle().processed == 1           # tried again: dead-lettered
    assert state.failures() == [(f"bad.{zone_name}", 2, errors[1][1], True)]
    assert state.pending_count() == 0


def test_killed_drainer_converges_after_restart(pdns, db, probe, state, zone_name) -> None:
    spec = make_spec(zone_name)
    state.put_zone(spec)
    script = Path(__file__).with_name("drainer_process.py")
    s = pdns.settings
    cmd = [sys.executable, str(script), state.path, str(pdns.data_dir), str(s.port),
           str(s.webserver_port), "3"]

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        return proc

    proc = start()
    owners: set[str] = set()
    writer = threading.Thread(target=lambda: owners.update(
        _change_stream(state, zone_name, 1000, seed=2, pause=0.002)))
    writer.start()
    kills = 0
    try:
        while kills < 3:
            # SIGKILL (no cleanup, possibly mid-transaction) once the drainer has had more
            # changes to publish since it started
            mark = _last_outbox_id(state)
            wait_for("the change stream to go on",
                     lambda mark=mark: _last_outbox_id(state) >= mark + 50
                     or not writer.is_alive(), 60)
            if not writer.is_alive():
                break
            proc.kill()
            proc.wait()
            kills += 1
            proc = start()
        writer.join()
        assert kills >= 2, "the change stream ended before the drainer could be killed"
        _wait_drained(state)
    finally:
        proc.terminate()
        proc.wait(10)
    _assert_dns_matches(pdns, db, probe, state, zone_name, owners)


def test_powerdns_outage_converges(pdns, db, probe, state, zone_name, caplog) -> None:
    spec = make_spec(zone_name)
    state.put_zone(spec)
    drainer = _drainer(pdns, state, poll_interval=0.05, max_backoff=0.5)
    stop = threading.Event()
    runner = threading.Thread(target=drainer.run, args=(stop,))
    runner.start()
    try:
        owners = _change_stream(state, zone_name, 100, seed=3, pause=0.002)
        pdns.stop()
        owners |= _change_stream(state, zone_name, 100, seed=4)
        # the drainer fails (flush) and keeps retrying meanwhile
        wait_for("the drainer to meet the outage", lambda: any(
            "unavailable" in r.getMessage() for r in caplog.records
            if r.name == "pyrar.events.consumer"), 30)
        assert state.pending_count() > 0
        pdns.start()
        _wait_drained(state)
    finally:
        stop.set()
        runner.join(10)
        drainer.close()
        if pdns.process is None:
            pdns.start()
    _assert_dns_matches(pdns, db, probe, state, zone_name, owners)


def test_event_owner_may_be_a_host_name(pdns, db, probe, state, zone_name) -> None:
    """The core publishes host names too: they map to the delegation holding their glue."""
    z = zone_name
    state.put_zone(make_spec(z))
    d = Delegation(f"foo.{z}", (f"ns1.foo.{z}",), {f"ns1.foo.{z}": ["192.0.2.1"]})
    state.put(z, d)
    drainer = _drainer(pdns, state)
    drainer.run_until_idle()
    moved = Delegation(d.name, d.nameservers, {f"ns1.foo.{z}": ["192.0.2.2"]})
    # the core's host update: the data changes, the event names the host only
    with state._tx():
        state.conn.execute("UPDATE delegation SET glue = ? WHERE name = ?",
                           (json.dumps([[f"ns1.foo.{z}", ["192.0.2.2"]]]), d.name))
        state.publish(z, f"ns1.foo.{z}")
    report = drainer.run_until_idle()
    assert report.changed == [d.name]
    info = db.domain(z)
    assert check_delegation(probe, z, info.denial, d.name, moved) == []
    # a host under an undelegated domain, and a domain that was never there: nothing to do
    state.publish(z, f"ns1.nothere.{z}")
    assert drainer.run_until_idle().changed == []
    # the domain goes on hold: the core's delegation() now says None, DNS follows
    with state._tx():
        state.conn.execute("DELETE FROM delegation WHERE name = ?", (d.name,))
        state.publish(z, d.name)
    assert drainer.run_until_idle().changed == [d.name]
    assert check_delegation(probe, z, info.denial, d.name, None) == []


def test_full_sync_cannot_undo_a_change_the_drainer_publishes_meanwhile(
        pdns, db, probe, state, zone_name) -> None:
    """A full sync streams an older snapshot; a change committed (and drained) during it
    must survive: the drainer waits for the sync's writer lock, then writes the newer state."""
    z = zone_name
    state.put_zone(make_spec(z))
    x_old = Delegation(f"x.{z}", ("ns1.example.net.",))
    state.put(z, x_old)
    drainer = _drainer(pdns, state)
    drainer.run_until_idle()
    x_new = Delegation(f"x.{z}", ("ns2.example.net.",), ds=(DS1,))
    snapshot = list(state.delegations(z))          # what the sync read: x_old
    changed = threading.Event()

    def slow_snapshot():
        yield snapshot[0]
        state.put(z, x_new)                        # the core commits a change...
        draining = threading.Thread(target=drainer.drain_once, daemon=True)
        draining.start()                           # ...and the drainer tries to publish it
        wait_for("the drainer to wait for the sync's writer lock",
                 lambda: _waiting_for_the_writer_lock(draining), 30)
        changed.set()
        yield from snapshot[1:]

    sync_db = PdnsDb.open(pdns.settings)
    try:
        ZoneSync(sync_db, pdns.api().flush_cache).sync(state.zone_spec(z), slow_snapshot())
    finally:
        sync_db.close()
    assert changed.is_set()
    _wait_drained(state)
    drainer.run_until_idle()
    info = db.domain(z)
    assert check_delegation(probe, z, info.denial, x_new.name, x_new) == []
