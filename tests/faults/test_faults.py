"""The fault suite: real faults on the real stack, under load, and what must hold after each.

``pyrar serve --workers 2`` (eppd and its workers, zone serve with its managed PowerDNS, the
lifecycle scheduler) on a MariaDB server of the suite's own (tests/private_mariadb.py: the
shared one is never touched), reached through tests/db_proxy.py so the database can also be
cut off. Registrars create and renew names throughout (tests/faults/fault_load.py). After
each fault:

- every process serves again: a new create is answered 1000 and published in DNS, within
  RECOVERY_SECONDS (the times are printed at the end of the run; docs/reliability.md quotes
  them);
- every acknowledged command is present exactly once, nothing a client was refused is
  present, every registrar's balance is the sum of its ledger;
- DNS equals the registry for every name the load touched: each present domain delegated to
  its name server, each refused one absent.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, func, select

from registry.models import Event
from tests.db_proxy import DbProxy
from tests.faults.fault_load import AUTH, RECOVERY, Load, absent, check_books, delegated
from tests.private_mariadb import PrivateMariaDb, private_mariadb
from tests.serve_stack import Served, environment, make_sandbox, pyrar, serving
from tests.waiting import wait_for
from tests.zonegen.zonegen_helpers import free_port, need_pdns

pytestmark = [pytest.mark.pdns, pytest.mark.slow, pytest.mark.mariadb]

# Every process serves again within this (a deadline for the test, not a figure: the
# measured times are printed)
RECOVERY_SECONDS = 90.0
LOAD_SECONDS = 3.0      # of load before and after each fault
FREEZE_SECONDS = 8.0    # how long the database stays frozen or cut off
CLIDS = ["registrar1", "registrar2"]
REFUSED_FOR_GOOD = {2104, 2201, 2306}
FUNDS = "10000000.00"  # USD per registrar, more than any run of the suite spends


class Stack:
    def __init__(self, served: Served, db: PrivateMariaDb, proxy: DbProxy, url: str) -> None:
        self.served, self.db, self.proxy = served, db, proxy
        # the checks read MariaDB directly, on connections that outlive its restarts
        self.engine = create_engine(url, pool_pre_ping=True)
        self.probe = 0

    def processes(self, marker: str) -> list[int]:
        return [p.pid for p in self.served.tree() if marker in p.cmdline]

    def kill(self, marker: str, *, only: Callable[[list[int]], list[int]] = lambda p: p
             ) -> None:
        pids = only(self.processes(marker))
        assert pids, f"no process matches {marker!r}: {self.served.tree()}"
        for pid in pids:
            os.kill(pid, signal.SIGKILL)

    def serving_again(self) -> bool:
        """A new create answered 1000 and published in DNS."""
        self.probe += 1
        name = f"probe{self.probe}-{int(time.time())}.example"
        host = "ns1.probe.fault.net"
        try:
            epp = self.served.epp("registrar1")
        except Exception:
            return False
        try:
            epp.host.create(host, [])
            code = epp.domain.create(name, years=1, nameservers=[host], auth_info=AUTH).code()
        except Exception:
            return False
        finally:
            with contextlib.suppress(Exception):
                epp.disconnect()
        # a refusal no recovery changes (2104: out of funds) fails now, not after the deadline
        assert code not in REFUSED_FOR_GOOD, f"the probe create was answered {code}"
        if code != 1000:
            return False
        wait_for(f"{name} published", lambda: delegated(self.served, name, host),
                 RECOVERY_SECONDS, self.served.log)
        return True

    def drained(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Event).where(
                Event.consumer == "dns", Event.dead_at.is_(None))).scalar() == 0


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    need_pdns()
    base = tmp_path_factory.mktemp("faults")
    with private_mariadb(base / "mariadb", free_port()) as db:
        proxy = DbProxy(("127.0.0.1", db.port))
        try:
            sandbox = make_sandbox(base, "--db", proxy.url(db.url("pyrar")),
                                   "--registrars", "2")
            for clid in CLIDS:  # the sandbox's funds last ~1,100 commands; the suite runs more
                subprocess.run(pyrar("--config", str(sandbox / "pyrar.toml"), "registrar",
                                     "credit", clid, FUNDS), check=True, capture_output=True,
                               env=environment(), timeout=60)
            with serving(sandbox, "serve", "--workers", "2") as served:
                served.wait_ready()
                stack = Stack(served, db, proxy, db.url("pyrar"))
                yield stack
                stack.engine.dispose()
        finally:
            proxy.close()


def under_load(stack: Stack, name: str, fault: Callable[[], None],
               heal: Callable[[], None] = lambda: None) -> None:
    """Load, the fault, healing, the time until everything serves again, then the checks."""
    with Load(stack.served, CLIDS) as load:
        wait_for("the load got going", lambda: load.acknowledged() >= 4, RECOVERY_SECONDS,
                 stack.served.log)
        time.sleep(LOAD_SECONDS)  # load while nothing is wrong; nothing is asserted on it
        fault()
        heal()
        healed = time.monotonic()  # a kill heals at once; a freeze or cut once it ends
        wait_for(f"serving again after: {name}", stack.serving_again, RECOVERY_SECONDS,
                 stack.served.log)
        RECOVERY[name] = time.monotonic() - healed
        time.sleep(LOAD_SECONDS)  # load after recovery
    told = load.told()
    assert any(t.acknowledged for t in told)
    domains = check_books(stack.engine, told)
    wait_for("DNS publication caught up", stack.drained, RECOVERY_SECONDS, stack.served.log)
    hosts = {c.clid: c.host for c in load.clients}
    for t in told:
        if t.op != "create":
            continue
        if t.name in domains:
            assert delegated(stack.served, t.name, hosts[t.clid]), f"not delegated: {t}"
        elif t.refused:
            assert absent(stack.served, t.name), f"delegated but refused: {t}"
    assert stack.served.process.poll() is None, "serve itself died"


def test_an_eppd_worker_killed(stack):
    under_load(stack, "eppd worker killed",
               lambda: stack.kill("spawn_main", only=lambda pids: pids[:1]))


def test_eppd_killed(stack):
    under_load(stack, "eppd killed", lambda: stack.kill(" eppd"))


def test_zone_serve_killed(stack):
    under_load(stack, "zone serve killed", lambda: stack.kill(" zone serve"))


def test_powerdns_killed(stack):
    under_load(stack, "PowerDNS killed", lambda: stack.kill("pdns_server --config-dir="))


def test_the_scheduler_killed(stack):
    under_load(stack, "lifecycle killed", lambda: stack.kill(" lifecycle run"))


def test_mariadb_restarted(stack):
    under_load(stack, "MariaDB restarted", stack.db.restart)


def test_mariadb_killed(stack):
    def crash_and_start() -> None:
        stack.db.kill()
        stack.db.start()
    under_load(stack, "MariaDB killed", crash_and_start)


def test_mariadb_frozen(stack):
    def freeze() -> None:
        stack.db.freeze()
        time.sleep(FREEZE_SECONDS)  # the fault itself
    under_load(stack, "MariaDB frozen", freeze, stack.db.thaw)


def test_the_database_cut_off(stack):
    def cut() -> None:
        stack.proxy.go_down()
        time.sleep(FREEZE_SECONDS)  # the fault itself
    under_load(stack, "database cut off", cut, stack.proxy.refuse.clear)


def test_no_process_was_left_behind_or_lost(stack):
    """After every fault: one serve with its full tree, nothing else of ours running."""
    tree = stack.served.tree()
    for marker in (" eppd", " zone serve", "pdns_server --config-dir=", " lifecycle run"):
        assert sum(marker in p.cmdline for p in tree) == 1, (marker, tree)
    assert sum("spawn_main" in p.cmdline for p in tree) == 2  # --workers 2
    assert "Traceback" not in stack.served.log(), stack.served.log()[-5000:]
