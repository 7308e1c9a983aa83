"""EPP to DNS: from the EPP 1000 response to the signed answer, live, on the real stack.

    .venv/bin/python bench/epp_dns_latency.py [--size 100000] [--changes 420]

A sandbox made by ``pyrar init`` on a fresh MariaDB database; ``--size`` delegated domains
written into the core's tables (registry_bulk_load); ``pyrar zone sync`` once (not timed);
then ``pyrar zone serve`` (managed PowerDNS, events consumer "dns") and ``pyrar eppd --workers 2``
as child processes. Over EPP (TLS, client certificate) the bench makes changes of seven
kinds, one at a time; for each, the clock starts when the whole 1000/1001 response has been
read and stops when a ``+dnssec +norec`` query to the sandbox's PowerDNS gets the expected
answer with valid signatures (zonegen.probe.check_delegation: referral with NS and glue
unsigned plus a signed DS or a valid NSEC3 opt-out proof; a signed denial after a hold or a
delete). The expected answers come from what the bench sent, not from the registry.
Everything started is stopped by PID and the database is dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dns.name
import dns.rdataclass
import dns.rdatatype
from epp_commands import Ds, EppSession, Registrar
from registry_bulk_load import (
    EXTERNAL_NS,
    BulkSpec,
    bulk_delegation,
    ds_of,
    glue_of,
    has_own_hosts,
    load,
)
from sqlalchemy import Engine, create_engine, func, select
from zone_latency import summary
from zone_sync import free_port

from registry.models import Event
from zonegen.model import Delegation
from zonegen.probe import DnsProbe, ProbeError, check_delegation
from zonegen.rectify import Denial

PYRAR = Path(sys.executable).with_name("pyrar")
TLD = "example"
KINDS = ("create", "create-glue", "ns-change", "ds-add", "ds-remove", "hold-on", "hold-off",
         "delete")


@dataclass
class Change:
    kind: str
    name: str                      # absolute
    expected: Delegation | None    # None: not delegated
    answered: float                # monotonic time the EPP response was read


@dataclass
class Changes:
    """Makes one change of a kind over EPP and says what DNS should then answer."""

    epp: EppSession
    size: int
    rnd: random.Random
    run: str
    used: set[int] = field(default_factory=set)
    created: list[str] = field(default_factory=list)   # in add grace: delete removes them
    held: list[int] = field(default_factory=list)

    def pick(self, accept: Callable[[int], bool]) -> int:
        while True:
            i = self.rnd.randrange(self.size)
            if i not in self.used and accept(i):
                self.used.add(i)
                return i

    def make(self, kind: str, k: int) -> Change:
        return getattr(self, kind.replace("-", "_"))(k)

    def _done(self, kind: str, name: str, expected: Delegation | None) -> Change:
        return Change(kind, name + ".", expected, time.monotonic())

    def _ds(self, k: int) -> Ds:
        return (k % 65536, 13, 2, f"{self.rnd.getrandbits(256):064X}")

    def create(self, k: int) -> Change:
        name = f"n{k}-{self.run}.{TLD}"
        ds = (self._ds(k),) if k % 2 else ()
        self.epp.domain_create(name, EXTERNAL_NS, ds)
        change = self._done("create", name, _delegation(name, EXTERNAL_NS, {}, ds))
        self.created.append(name)
        return change

    def create_glue(self, k: int) -> Change:
        """create, host:create of its own name server with glue, update adding it: the
        delegation appears with the last command (a domain without NS is not delegated)."""
        name = f"g{k}-{self.run}.{TLD}"
        host = f"ns1.{name}"
        glue = (f"192.0.2.{k % 250 + 1}", f"2001:db8:1::{k:x}")
        self.epp.domain_create(name)
        self.epp.host_create(host, glue)
        nameservers = (host, EXTERNAL_NS[0])
        self.epp.domain_update(name, add_ns=nameservers)
        return self._done("create-glue", name, _delegation(name, nameservers, {host: glue}, ()))

    def ns_change(self, k: int) -> Change:
        i = self.pick(has_own_hosts)
        name = f"d{i}.{TLD}"
        self.epp.domain_update(name, rem_ns=(f"ns2.{name}",), add_ns=(EXTERNAL_NS[0],))
        ns1 = f"ns1.{name}"
        ds = ds_of(i, TLD)
        return self._done("ns-change", name, _delegation(
            name, (ns1, EXTERNAL_NS[0]), {ns1: tuple(glue_of(i, TLD)[ns1])},
            (ds,) if ds else ()))

    def ds_add(self, k: int) -> Change:
        i = self.pick(lambda i: ds_of(i, TLD) is None)
        name = f"d{i}.{TLD}"
        ds = self._ds(k)
        self.epp.domain_update(name, add_ds=(ds,))
        base = bulk_delegation(i, TLD)
        return self._done("ds-add", name, Delegation(base.name, base.nameservers, base.glue,
                                                     (_ds_text(ds),)))

    def ds_remove(self, k: int) -> Change:
        i = self.pick(lambda i: ds_of(i, TLD) is not None)
        name = f"d{i}.{TLD}"
        self.epp.domain_update(name, rem_ds=(ds_of(i, TLD),))
        base = bulk_delegation(i, TLD)
        return self._done("ds-remove", name, Delegation(base.name, base.nameservers,
                                                        base.glue, ()))

    def hold_on(self, k: int) -> Change:
        i = self.pick(lambda i: True)
        self.epp.domain_update(f"d{i}.{TLD}", add_status="clientHold")
        self.held.append(i)
        return self._done("hold-on", f"d{i}.{TLD}", None)

    def hold_off(self, k: int) -> Change:
        i = self.held.pop(0)
        self.epp.domain_update(f"d{i}.{TLD}", rem_status="clientHold")
        return self._done("hold-off", f"d{i}.{TLD}", bulk_delegation(i, TLD))

    def delete(self, k: int) -> Change:
        """Alternately a new domain (add grace: gone at once) and an old one served by
        external hosts (to redemption: 1001); neither may be delegated afterwards."""
        if k % 2 and self.created:
            name = self.created.pop(0)
        else:
            name = f"d{self.pick(lambda i: not has_own_hosts(i))}.{TLD}"
        self.epp.domain_delete(name)
        return self._done("delete", name, None)


def _delegation(name: str, nameservers: tuple[str, ...], glue: dict[str, tuple[str, ...]],
                ds: tuple[Ds, ...]) -> Delegation:
    return Delegation(name + ".", tuple(h + "." for h in nameservers),
                      {h + ".": list(a) for h, a in glue.items()},
                      tuple(_ds_text(d) for d in ds))


def _ds_text(ds: Ds) -> str:
    return f"{ds[0]} {ds[1]} {ds[2]} {ds[3]}"


# -- the stack -------------------------------------------------------------------------

@dataclass
class Stack:
    work: Path
    env: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.work / "sandbox" / "pyrar.toml"

    def pyrar(self, *args: str, timeout: float = 1800) -> float:
        """Run one pyrar command to completion; returns its wall time."""
        started = time.monotonic()
        proc = subprocess.run([str(PYRAR), *args], env=self.env, cwd=self.work,
                              capture_output=True, text=True, timeout=timeout)
        if proc.returncode:
            raise RuntimeError(f"pyrar {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
        return time.monotonic() - started

    def start(self, name: str, *args: str) -> subprocess.Popen:
        with open(self.work / f"{name}.log", "wb") as log:
            proc = subprocess.Popen([str(PYRAR), "--config", str(self.config), *args],
                                    env=self.env, cwd=self.work, stdout=log,
                                    stderr=subprocess.STDOUT)
        self.processes.append(proc)
        return proc

    def check_alive(self) -> None:
        for proc in self.processes:
            if proc.poll() is not None:
                raise RuntimeError(f"{' '.join(proc.args[3:])} exited with {proc.returncode}; "
                                   f"see the logs in {self.work}")

    def stop(self) -> None:
        for proc in reversed(self.processes):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_for(what: str, ready: Callable[[], bool], stack: Stack, timeout: float) -> float:
    started = time.monotonic()
    while not ready():
        stack.check_alive()
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what}: not ready in {timeout} s")
        time.sleep(0.2)
    return time.monotonic() - started


def _zone_served(probe: DnsProbe) -> bool:
    try:
        probe.dnskeys(TLD + ".")
        return True
    except ProbeError:
        return False


def _outbox_size(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Event)
                           .where(Event.consumer == "dns"))


def _epp_ready(registrar: Registrar) -> bool:
    try:
        EppSession(registrar, timeout=5).close()
        return True
    except OSError:
        return False


def measure(changes: Changes, count: int, probe: DnsProbe, denial: Denial, keys,
            interval: float, timeout: float, stack: Stack) -> tuple[dict, list[str]]:
    by_kind: dict[str, list[float]] = {k: [] for k in KINDS}
    failures: list[str] = []
    first_query_right = 0   # a check that passes before publication could is suspect
    for k in range(count):
        change = changes.make(KINDS[k % len(KINDS)], k)
        while True:
            faults = check_delegation(probe, TLD + ".", denial, change.name, change.expected,
                                      keys)
            now = time.monotonic()
            if not faults:
                first_query_right += now - change.answered < 0.003
                by_kind[change.kind].append(now - change.answered)
                break
            if now - change.answered > timeout:
                failures.append(f"{change.kind} {change.name}: {'; '.join(faults)}")
                stack.check_alive()
                break
            time.sleep(interval)
        time.sleep(changes.rnd.uniform(0, 0.05))
    if first_query_right:
        failures.append(f"{first_query_right} change(s) answered right at the first query")
    return by_kind, failures


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=100000, help="delegations loaded")
    p.add_argument("--changes", type=int, default=420, help="EPP changes measured")
    p.add_argument("--interval", type=float, default=0.005, help="DNS poll period (s)")
    p.add_argument("--timeout", type=float, default=15.0, help="give up on a change after")
    p.add_argument("--mariadb", default=os.environ.get(
        "PYRAR_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", action="store_true", help="keep the sandbox directory")
    args = p.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pyrar-epp-dns-"))
    db_name = f"pyrar_bench_{uuid.uuid4().hex[:10]}"
    url = f"{args.mariadb}/{db_name}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYRAR_")}
    stack = Stack(work, env)
    server = create_engine(f"{args.mariadb}/")
    engine = None
    epp = None
    phases: dict[str, float] = {}
    try:
        dns_port = free_port()
        phases["init_s"] = stack.pyrar(
            "init", str(work / "sandbox"), "--db", url, "--registrars", "2",
            "--epp-port", str(free_port()), "--dns-port", str(dns_port),
            "--pdns-api-port", str(free_port()))
        creds = json.loads((work / "sandbox" / "credentials.json").read_text())["registrars"]
        registrar = Registrar(**{k: creds[0][k] for k in Registrar.__dataclass_fields__})
        engine = create_engine(url)
        started = time.monotonic()
        load(engine, BulkSpec(TLD, args.size, registrar.clid))
        phases["bulk_load_s"] = time.monotonic() - started
        phases["zone_sync_s"] = stack.pyrar("--config", str(stack.config), "zone", "sync", TLD,
                                            "--quiet")

        probe = DnsProbe("127.0.0.1", dns_port)
        stack.start("zone-serve", "zone", "serve")
        phases["zone_serve_ready_s"] = wait_for(
            "zone serve", lambda: _zone_served(probe) and not _outbox_size(engine), stack, 900)
        stack.start("eppd", "eppd", "--workers", "2")
        phases["eppd_ready_s"] = wait_for("eppd", lambda: _epp_ready(registrar), stack, 60)

        keys = probe.dnskeys(TLD + ".")
        param = probe.query(TLD + ".", "NSEC3PARAM").get_rrset(
            "answer", dns.name.from_text(TLD + "."), dns.rdataclass.IN,
            dns.rdatatype.NSEC3PARAM)
        denial = Denial.from_nsec3param(True, param[0].to_text() if param else None)
        epp = EppSession(registrar)
        changes = Changes(epp, args.size, random.Random(args.seed), uuid.uuid4().hex[:6])
        by_kind, failures = measure(changes, args.changes, probe, denial, keys,
                                    args.interval, args.timeout, stack)
        everything = [v for values in by_kind.values() for v in values]
        print(json.dumps({
            "size": args.size, "changes": args.changes,
            "phases": {k: round(v, 1) for k, v in phases.items()},
            "overall": summary(everything) if everything else None,
            "by_kind": {k: summary(v) for k, v in by_kind.items() if v},
            "failures": failures,
        }, indent=1))
    finally:
        if epp is not None:
            epp.close()
        stack.stop()
        if engine is not None:
            engine.dispose()
        with server.begin() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{db_name}`")
        server.dispose()
        if args.keep:
            print(f"sandbox kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
