"""The events outbox: written in the command's transaction, routed to each consumer,
delivered at least once by the consumer loop with backoff, dead letters and wake-ups."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from registry import outbox
from registry.admin.events import event_stats, list_events, retry_dead, retry_events
from registry.clock import FixedClock
from registry.db import Database, make_engine
from registry.errors import ObjectDoesNotExist, ParameterPolicyError
from registry.events import routes
from registry.events.consumer import Consumer
from registry.events.delivery import Batch, RetryPolicy
from registry.events.emit import emit
from registry.events.store import RegistryEvents
from registry.events.wake import Doorbell, Wakeup, socket_path
from registry.flows.domain_create import DomainCreate
from registry.leases import LeaseLost
from registry.models import Event
from registry.service import Registry
from tests.core.world import START, STRONG
from tests.db_proxy import DbProxy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mail_route(monkeypatch):
    """A second consumer for DNS changes (as a notifier would be) and a kind of its own."""
    monkeypatch.setitem(routes.ROUTES, "dns.changed", ("dns", "mail"))
    monkeypatch.setitem(routes.ROUTES, "mail.send", ("mail",))


def rows(world, consumer: str | None = None) -> list[Event]:
    def work(ctx):
        stmt = select(Event).order_by(Event.id)
        if consumer:
            stmt = stmt.where(Event.consumer == consumer)
        return list(ctx.session.scalars(stmt))
    return world.task(work)


def wait_for(what: str, condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.01)


class Recorder:
    """A handler that records what it was given and does what it is told per payload."""

    def __init__(self, fail: set[str] = frozenset(), leave: set[str] = frozenset()) -> None:
        self.fail, self.leave = set(fail), set(leave)
        self.seen: list[dict] = []
        self.raises: BaseException | None = None

    def __call__(self, batch: Batch) -> None:
        if self.raises is not None:
            raise self.raises
        for d in batch.deliveries:
            self.seen.append(d.payload)
            owner = d.payload.get("owner")
            if owner in self.fail:
                batch.fail(d.id, f"cannot publish {owner}")
            elif owner not in self.leave:
                batch.ack([d.id])


def consumer(world, handler, name: str = "dns", **kw) -> Consumer:
    return Consumer(RegistryEvents(world.registry), name, handler, clock=world.clock, **kw)


def publish(world, *owners: str) -> None:
    world.task(lambda ctx: outbox.publish(ctx, "example", *owners))


# -- producing ---------------------------------------------------------------------------

def test_a_command_writes_its_event_in_its_own_transaction(world, alice):
    world.run(DomainCreate("foo.example", authinfo=STRONG), alice)
    [event] = rows(world)
    assert (event.consumer, event.kind, event.payload) == (
        "dns", "dns.changed", {"zone": "example", "owner": "foo.example"})
    assert (event.created_at, event.attempts, event.dead_at, event.not_before) == (
        START, 0, None, None)


def test_a_failing_command_leaves_no_event_and_wakes_nobody(world, tld):
    rung = []
    world.registry.wakeup.listen("dns", lambda: rung.append(1))

    def work(ctx):
        outbox.publish(ctx, "example", "gone.example")
        raise ParameterPolicyError("changed my mind")
    with pytest.raises(ParameterPolicyError):
        world.task(work)
    assert rows(world) == [] and rung == []
    publish(world, "kept.example")
    assert len(rows(world)) == 1 and rung == [1]


def test_one_row_per_consumer_each_acknowledging_on_its_own(world, tld, mail_route):
    world.task(lambda ctx: (outbox.publish(ctx, "example", "a.example", "b.example"),
                            emit(ctx, "mail.send", {"to": "x@example.net"})))
    assert sorted((e.consumer, e.kind) for e in rows(world)) == [
        ("dns", "dns.changed"), ("dns", "dns.changed"), ("mail", "dns.changed"),
        ("mail", "dns.changed"), ("mail", "mail.send")]
    dns = Recorder(leave={"b.example"})
    consumer(world, dns).run_once()
    assert dns.seen == [{"zone": "example", "owner": "a.example"},
                        {"zone": "example", "owner": "b.example"}]
    # only the acknowledged row went; the left one is delivered again, the mail rows untouched
    assert [e.payload["owner"] for e in rows(world, "dns")] == ["b.example"]
    assert len(rows(world, "mail")) == 3
    mail = Recorder()
    consumer(world, mail, "mail").run_once()
    assert len(mail.seen) == 3 and rows(world, "mail") == []
    dns.leave.clear()
    consumer(world, dns).run_once()
    assert rows(world) == []


def test_an_unknown_kind_is_refused(world, tld):
    with pytest.raises(ValueError, match="no route"):
        world.task(lambda ctx: emit(ctx, "no.such.kind", {}))
    assert rows(world) == []


# -- failures, backoff, dead letters -----------------------------------------------------

def test_a_failed_row_backs_off_on_the_injected_clock_then_dead_letters(world, tld):
    publish(world, "bad.example", "good.example")
    handler = Recorder(fail={"bad.example"})
    loop = consumer(world, handler, retry=RetryPolicy(max_attempts=3, first_delay=10))
    loop.run_once()
    [bad] = rows(world)
    assert (bad.attempts, bad.not_before, bad.last_error, bad.dead_at) == (
        1, START + timedelta(seconds=10), "cannot publish bad.example", None)
    assert loop.run_once() is None                       # not due yet
    world.clock.advance(timedelta(seconds=9.9))
    assert loop.run_once() is None
    world.clock.advance(timedelta(seconds=0.1))
    assert loop.run_once() is not None                   # due: tried again, fails again
    [bad] = rows(world)
    assert (bad.attempts, bad.not_before) == (2, world.clock.now() + timedelta(seconds=20))
    world.clock.advance(timedelta(seconds=20))
    loop.run_once()
    [bad] = rows(world)
    assert (bad.attempts, bad.dead_at, bad.not_before) == (3, world.clock.now(), None)
    world.clock.advance(timedelta(days=1))
    assert loop.run_once() is None                       # dead: never delivered again
    assert [p["owner"] for p in handler.seen] == ["bad.example", "good.example",
                                                  "bad.example", "bad.example"]


def test_operators_list_and_retry_dead_letters(world, tld, mail_route):
    publish(world, "bad.example", "fine.example")
    consumer(world, Recorder(fail={"bad.example"}), retry=RetryPolicy(max_attempts=1)).run_once()
    task = world.task
    [dead] = task(lambda c: list_events(c, dead=True))
    assert (dead.consumer, dead.payload["owner"], dead.attempts, dead.dead_at) == (
        "dns", "bad.example", 1, START)
    assert [r.consumer for r in task(lambda c: list_events(c, consumer="mail"))] == ["mail"] * 2
    stats = {s.consumer: s for s in task(event_stats)}
    assert (stats["dns"].live, stats["dns"].dead, stats["dns"].oldest) == (0, 1, None)
    assert (stats["mail"].live, stats["mail"].due, stats["mail"].oldest) == (2, 2, START)

    # bad ids change nothing
    with pytest.raises(ObjectDoesNotExist):
        task(lambda c: retry_events(c, [dead.id, 999999]))
    assert task(lambda c: list_events(c, dead=True)) == [dead]

    rung = []
    world.registry.wakeup.listen("dns", lambda: rung.append(1))
    assert task(lambda c: retry_dead(c, "dns")) == 1
    assert rung == [1]                                   # its consumer is woken at once
    [again] = rows(world, "dns")
    assert (again.attempts, again.dead_at, again.not_before, again.last_error) == (
        0, None, None, "cannot publish bad.example")
    handler = Recorder()
    consumer(world, handler).run_once()                  # the data was fixed: delivered
    assert handler.seen == [{"zone": "example", "owner": "bad.example"}]
    assert rows(world, "dns") == []


def test_retry_by_id_makes_a_backing_off_row_due_now(world, tld):
    publish(world, "slow.example")
    loop = consumer(world, Recorder(fail={"slow.example"}),
                    retry=RetryPolicy(first_delay=3600, max_delay=3600))
    loop.run_once()
    [row] = rows(world)
    assert row.not_before == START + timedelta(hours=1)
    assert world.task(lambda c: retry_events(c, [row.id])) == 1
    loop.handle = Recorder()
    assert loop.run_once() is not None and rows(world) == []


def test_an_outage_counts_no_attempt(world, tld):
    """The handler says "the infrastructure is down": the whole batch waits, uncounted."""

    class PowerDnsDown(Exception):
        pass

    publish(world, "a.example", "b.example")
    handler = Recorder()
    handler.raises = PowerDnsDown("connection refused")
    loop = consumer(world, handler, outages=(PowerDnsDown,),
                    retry=RetryPolicy(max_attempts=1))
    for _ in range(3):
        with pytest.raises(PowerDnsDown):
            loop.run_once()
    assert [(e.attempts, e.not_before, e.dead_at) for e in rows(world)] == [(0, None, None)] * 2
    handler.raises = None
    loop.run_once()
    assert rows(world) == []


def test_a_lost_lease_stops_the_loop_in_one_line(world, tld, caplog):
    """A consumer that runs under a lease (registry.leases) and lost it stops, as a bug
    would, but says why in one line: no traceback, the rows stay for the new leader."""
    publish(world, "a.example")
    handler = Recorder()
    handler.raises = LeaseLost("zone-publication")
    fatal: list[BaseException] = []
    loop = consumer(world, handler, on_fatal=fatal.append)
    loop.run(threading.Event())
    assert [type(e) for e in fatal] == [LeaseLost]
    said = [r for r in caplog.records if "events consumer dns stopped" in r.getMessage()]
    assert [(r.levelname, r.exc_info) for r in said] == [("ERROR", None)]
    assert "lease zone-publication lost" in said[0].getMessage()
    assert [e.attempts for e in rows(world)] == [0]


def test_what_a_handler_settled_before_an_outage_counts(world, tld):
    publish(world, "a.example", "b.example")

    def handle(batch: Batch) -> None:
        batch.ack([batch.deliveries[0].id])
        raise ConnectionError("PowerDNS went away")
    with pytest.raises(ConnectionError):
        consumer(world, handle).run_once()
    assert [e.payload["owner"] for e in rows(world)] == ["b.example"]


# -- the loop: wake-ups, database outages, bugs ------------------------------------------

def run_in_thread(loop: Consumer) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    thread.start()
    return thread, stop


def stop_thread(loop: Consumer, thread: threading.Thread, stop: threading.Event) -> None:
    stop.set()
    loop.wake()
    thread.join(10)
    assert not thread.is_alive()


def test_a_commit_wakes_a_consumer_in_the_same_process(world, alice):
    handler = Recorder()
    bell = world.registry.wakeup.doorbell("dns")
    loop = consumer(world, handler, poll_interval=3600, doorbell=bell)
    thread, stop = run_in_thread(loop)
    try:
        world.run(DomainCreate("woken.example", authinfo=STRONG), alice)
        wait_for("the event", lambda: handler.seen)   # an hour's poll: only a wake-up does it
        assert handler.seen == [{"zone": "example", "owner": "woken.example"}]
    finally:
        stop_thread(loop, thread, stop)
        bell.close()


def test_under_load_the_loop_lets_commits_gather_into_one_pass(world):
    """#14: commits that ring while a pass runs are not claimed one or two a pass; the loop
    lets more come for ``coalesce`` seconds and takes them together (zonegen's drainer)."""
    batches: list[list[str]] = []
    first_done = threading.Event()

    def handler(batch: Batch) -> None:
        batches.append([d.payload["owner"] for d in batch.deliveries])
        if len(batches) == 1:
            publish(world, "a.example")     # committed, and rung, while this pass runs
            first_done.set()
        batch.ack(d.id for d in batch.deliveries)

    bell = world.registry.wakeup.doorbell("dns")
    loop = consumer(world, handler, poll_interval=3600, doorbell=bell, coalesce=5.0)
    thread, stop = run_in_thread(loop)
    try:
        publish(world, "first.example")
        wait_for("the first pass", first_done.is_set)
        publish(world, "b.example")         # within the coalescing wait
        publish(world, "c.example")
        wait_for("the second pass", lambda: len(batches) >= 2)
        assert batches == [["first.example"], ["a.example", "b.example", "c.example"]]
        wait_for("acknowledged", lambda: rows(world, "dns") == [])
    finally:
        stop_thread(loop, thread, stop)
        bell.close()


def test_coalescing_never_delays_a_wake_up_into_an_idle_loop(world):
    """An hour's coalescing: a commit into an idle loop (waiting, not in a pass: a commit
    during a pass is load) is still served at once."""

    class Bell(Doorbell):                   # says when the loop waits, idle
        idle = threading.Event()

        def wait(self, timeout: float) -> bool:
            if timeout > 0:
                self.idle.set()
            return super().wait(timeout)

    handler = Recorder()
    bell = Bell()
    world.registry.wakeup.listen("dns", bell.ring)
    loop = consumer(world, handler, poll_interval=3600, doorbell=bell, coalesce=3600)
    thread, stop = run_in_thread(loop)
    try:
        for n, owner in enumerate(("idle.example", "later.example"), 1):
            wait_for("the loop waiting", bell.idle.is_set)
            bell.idle.clear()
            publish(world, owner)
            wait_for(f"event {n}", lambda n=n: len(handler.seen) == n)
        wait_for("acknowledged", lambda: rows(world, "dns") == [])
    finally:
        stop_thread(loop, thread, stop)     # the stop ends any wait at once
        world.registry.wakeup.forget("dns", bell.ring)
        bell.close()


def test_a_commit_in_another_process_wakes_the_consumer(tmp_path):
    """eppd and zonegen are separate processes: the producer sends a datagram to the
    consumer's socket in the runtime directory, after its commit."""
    db_path = tmp_path / "registry.sqlite3"
    engine = make_engine(f"sqlite:///{db_path}")
    from registry.migrate import upgrade
    upgrade(engine)
    run_dir = Path(tempfile.mkdtemp(prefix="pyrar-run-"))   # short: a socket path's limit
    clock = FixedClock(START)
    registry = Registry(Database(engine), clock, wakeup=Wakeup(run_dir))
    handler = Recorder()
    bell = registry.wakeup.doorbell("dns")
    assert bell.listening and socket_path(run_dir, "dns").exists()
    loop = Consumer(RegistryEvents(registry), "dns", handler, clock=clock, poll_interval=3600,
                    doorbell=bell)
    thread, stop = run_in_thread(loop)
    producer = textwrap.dedent(f"""
        from pathlib import Path
        from registry import outbox
        from registry.db import Database, make_engine
        from registry.events.wake import Wakeup
        from registry.service import Registry
        registry = Registry(Database(make_engine("sqlite:///{db_path}")),
                            wakeup=Wakeup(Path("{run_dir}")))
        registry.run(lambda ctx: outbox.publish(ctx, "example", "far.example"))
    """)
    try:
        subprocess.run([sys.executable, "-c", producer], check=True, cwd=ROOT, timeout=60)
        wait_for("the event from the other process", lambda: handler.seen)
        assert handler.seen == [{"zone": "example", "owner": "far.example"}]
    finally:
        stop_thread(loop, thread, stop)
        bell.close()
        registry.close()
    assert not socket_path(run_dir, "dns").exists()   # the consumer cleans up after itself
    os.rmdir(run_dir)


def test_wake_is_best_effort():
    """Nobody listening, a socket left by a dead consumer, a path too long to bind: no
    error anywhere, the consumer polls."""
    run_dir = Path(tempfile.mkdtemp(prefix="pyrar-run-"))
    try:
        Wakeup(run_dir).notify(["dns"])                     # no socket at all
        dead = Doorbell(socket_path(run_dir, "dns"))
        dead._socket.close()                               # its process died: file stays
        Wakeup(run_dir).notify(["dns"])                     # connection refused: ignored
        fresh = Doorbell(socket_path(run_dir, "dns"))       # the restarted consumer rebinds
        Wakeup(run_dir).notify(["dns"])
        assert fresh.wait(10) and not fresh.wait(0)         # rung once, drained
        fresh.close()
        long = Doorbell(run_dir / ("x" * 120) / "wake-dns.sock")
        assert not long.listening and not long.wait(0)
        long.ring()
        assert long.wait(0)                                 # in-process still works
        long.close()
    finally:
        for p in sorted(run_dir.rglob("*"), reverse=True):
            p.unlink() if not p.is_dir() else p.rmdir()
        run_dir.rmdir()


@pytest.fixture
def proxied(mariadb_migrated):
    """A registry whose MariaDB connections go through a proxy the test can fault."""
    proxy = DbProxy()
    direct = Database(make_engine(mariadb_migrated))
    with direct.engine.begin() as conn:
        conn.execute(text("DELETE FROM events"))
    clock = FixedClock(START)
    db = Database(make_engine(proxy.url(mariadb_migrated)))
    yield Registry(db, clock), Registry(direct, clock), proxy
    proxy.close()
    db.dispose()
    direct.dispose()


def test_the_loop_survives_the_database_going_away(proxied, caplog):
    """#13: a MariaDB restart (the connection lost, 2013, then refused) must not end the
    loop; it retries, counting no attempt, and delivers once the database is back."""
    through_proxy, direct, proxy = proxied
    handler = Recorder()
    bell = through_proxy.wakeup.doorbell("dns")
    loop = Consumer(RegistryEvents(through_proxy), "dns", handler, clock=through_proxy.clock,
                    poll_interval=0.05, doorbell=bell, outage_backoff=(0.01, 0.05),
                    on_fatal=lambda e: pytest.fail(f"the loop died: {e!r}"))
    thread, stop = run_in_thread(loop)

    def acknowledged() -> bool:
        return direct.run(lambda ctx: ctx.session.scalar(select(Event.id))) is None

    def outage_lines() -> list[str]:
        return [r.getMessage() for r in caplog.records
                if "events consumer dns" in r.getMessage()]
    try:
        direct.run(lambda ctx: outbox.publish(ctx, "example", "before.example"))
        wait_for("the first event, acknowledged", lambda: handler.seen and acknowledged())
        fault = proxy.arm("before", r"SELECT\s.*\sFROM events\s.*", then_refuse=True)
        direct.run(lambda ctx: outbox.publish(ctx, "example", "during.example"))
        wait_for("the outage", lambda: fault.struck.is_set() and outage_lines())
        time.sleep(0.3)  # let it fail a few more times (nothing asserted on timing)
        assert thread.is_alive() and len(handler.seen) == 1
        assert direct.run(lambda ctx: ctx.session.scalar(select(Event.attempts))) == 0
        proxy.refuse.clear()                              # the database is back
        wait_for("the event after the outage", lambda: len(handler.seen) == 2)
        assert handler.seen[1] == {"zone": "example", "owner": "during.example"}
        wait_for("its acknowledgement", acknowledged)
    finally:
        stop_thread(loop, thread, stop)
        bell.close()
    outage = outage_lines()
    assert len(outage) == 2, outage                       # one line as it starts, one as it ends
    assert "unavailable (DatabaseUnavailable" in outage[0] and "available again" in outage[1]
    assert not any(r.exc_info for r in caplog.records)    # no traceback per attempt


def consumer_process(tmp_path: Path, body: str) -> subprocess.Popen:
    """A consumer of its own in a child process, on a SQLite registry with one event."""
    db_path = tmp_path / "registry.sqlite3"
    if not db_path.exists():
        engine = make_engine(f"sqlite:///{db_path}")
        from registry.migrate import upgrade
        upgrade(engine)
        registry = Registry(Database(engine))
        registry.run(lambda ctx: outbox.publish(ctx, "example", "once.example"))
        registry.close()
    script = textwrap.dedent("""
        import os, sys, threading
        from registry.db import Database, make_engine
        from registry.events.consumer import Consumer
        from registry.events.store import RegistryEvents
        from registry.service import Registry
        registry = Registry(Database(make_engine(sys.argv[1])))
        effects = open(sys.argv[2], "a")
    """) + textwrap.dedent(body)
    return subprocess.Popen([sys.executable, "-c", script, f"sqlite:///{db_path}",
                             str(tmp_path / "effects")], cwd=ROOT, stderr=subprocess.PIPE,
                            text=True)


def test_a_crash_between_effect_and_ack_delivers_again(tmp_path):
    crash = consumer_process(tmp_path, """
        def handle(batch):
            for d in batch.deliveries:
                effects.write(d.payload["owner"] + "\\n")
                effects.flush()
            os._exit(9)          # killed after the effect, before the acknowledgement
        Consumer(RegistryEvents(registry), "dns", handle).run_once()
    """)
    assert crash.wait(60) == 9
    again = consumer_process(tmp_path, """
        def handle(batch):
            for d in batch.deliveries:
                effects.write(d.payload["owner"] + "\\n")
            batch.ack(d.id for d in batch.deliveries)
        Consumer(RegistryEvents(registry), "dns", handle).run_once()
        assert Consumer(RegistryEvents(registry), "dns", handle).run_once() is None
    """)
    assert again.wait(60) == 0, again.stderr.read()
    assert (tmp_path / "effects").read_text() == "once.example\nonce.example\n"


def test_a_bug_in_the_loop_takes_its_process_down(tmp_path):
    """Not a quiet thread death: the process gets SIGTERM, so its supervisor restarts it."""
    proc = consumer_process(tmp_path, """
        def handle(batch):
            raise RuntimeError("a bug in the handler")
        stop = threading.Event()
        threading.Thread(target=Consumer(RegistryEvents(registry), "dns", handle).run,
                         args=(stop,)).start()
        stop.wait(120)
        sys.exit(0)
    """)
    assert proc.wait(60) == -15
    err = proc.stderr.read()
    assert "events consumer dns stopped by an unexpected error" in err
    assert "RuntimeError: a bug in the handler" in err
