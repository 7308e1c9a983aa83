"""Nothing is lost: a stream of real core changes while ``pyrar zone serve`` is SIGKILLed and
its PowerDNS is killed and started again; afterwards DNS is exactly what the database says."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from zonegen_core_world import (
    EXTERNAL_NS,
    CoreWorld,
)
from zonegen_helpers import free_port, need_pdns

from registry.errors import EppError
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_delete import DomainDelete
from registry.flows.domain_restore import DomainRestoreReport, DomainRestoreRequest
from registry.flows.domain_update import DomainUpdate
from registry.flows.host_create import HostCreate
from registry.flows.host_delete import HostDelete
from registry.flows.host_update import HostUpdate
from registry.values import DsData, HostAddress
from tests.core.world import STRONG
from tests.waiting import wait_for
from zonegen.config import PowerDnsSettings
from zonegen.pdnsdb import PdnsDb
from zonegen.probe import DnsProbe, ProbeError, check_delegation
from zonegen.server import ManagedPowerDns
from zonegen.sync import ZoneSync

pytestmark = [pytest.mark.pdns, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


class ZoneServe:
    """``pyrar zone serve`` in its own process (managed PowerDNS as its child)."""

    def __init__(self, config: Path, settings: PowerDnsSettings, log: Path) -> None:
        self.config = config
        self.server = ManagedPowerDns(settings)          # for its paths and API, not started
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.pdns_pids: set[int] = set()

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pyrar.cli.main", "--config", str(self.config),
                 "zone", "serve"], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)

    def pdns_pid(self, timeout: float = 60.0) -> int:
        """The PID of the pdns_server the current zone serve runs (once it runs one)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"zone serve exited:\n{self.tail()}"
            try:
                pdns, owner = (int(x) for x in self.server.owner_file.read_text().split())
            except (OSError, ValueError):
                pdns = owner = 0
            if owner == self.proc.pid and _alive(pdns):
                self.pdns_pids.add(pdns)
                return pdns
            time.sleep(0.05)
        raise AssertionError(f"zone serve runs no PowerDNS:\n{self.tail()}")

    def sigkill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.terminate()
        return self.proc.wait(30)

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


class ChangeStream:
    """Random core operations on a few domains: NS, glue, DS, holds, delete, restore."""

    def __init__(self, core: CoreWorld, seed: int) -> None:
        self.core = core
        self.rnd = random.Random(seed)
        self.names = [f"d{i}.{core.tld}" for i in range(14)]
        self.done = 0
        self.refused = 0
        self.error: BaseException | None = None

    def run(self, count: int, stop: threading.Event | None = None) -> None:
        """``count`` operations, then more until ``stop`` is set."""
        try:
            while count > 0 or (stop is not None and not stop.is_set()):
                self.step(self.rnd.choice(self.names))
                count -= 1
                time.sleep(0.005)
        except BaseException as e:     # reported by the test thread
            self.error = e

    def _do(self, command) -> bool:
        try:
            self.core.world.run(command, self.core.registrar)
        except EppError:
            self.refused += 1
            return False
        self.done += 1
        return True

    def step(self, name: str) -> None:
        rnd, host = self.rnd, f"ns1.{name}"
        op = rnd.choice(["create", "create", "ns", "glue", "ds", "hold", "delete", "restore"])
        if op == "create":
            ns = tuple(rnd.sample(EXTERNAL_NS, rnd.randint(0, 2)))
            self._do(DomainCreate(name, nameservers=ns, authinfo=STRONG))
        elif op == "ns":
            target = rnd.choice([*EXTERNAL_NS, host])
            if not self._do(DomainUpdate(name, add_nameservers=(target,))):
                self._do(DomainUpdate(name, rem_nameservers=(target,)))
        elif op == "glue":
            address = HostAddress(f"192.0.2.{rnd.randint(1, 250)}")
            if not self._do(HostCreate(host, (address,))):
                self._do(HostUpdate(host, add_addresses=(address,)))
        elif op == "ds":
            if rnd.random() < 0.6:
                ds = DsData(rnd.randint(1, 65535), 13, 2, f"{rnd.getrandbits(256):064X}")
                self._do(DomainUpdate(name, ds_add=(ds,)))
            else:
                self._do(DomainUpdate(name, dnssec_rem_all=True))
        elif op == "hold":
            if not self._do(DomainUpdate(name, add_statuses=("clientHold",))):
                self._do(DomainUpdate(name, rem_statuses=("clientHold",)))
        elif op == "delete":
            self._do(DomainUpdate(name, rem_nameservers=(host,)))
            self._do(HostDelete(host))
            self._do(DomainDelete(name))
        else:
            now = self.core.clock.now()
            if self._do(DomainRestoreRequest(name)):
                self._do(DomainRestoreReport(name, "pre", "post", now, now, "mistake", ("x",)))


def _config(path: Path, db_url: str, settings: PowerDnsSettings) -> Path:
    path.write_text(f'[database]\nurl = "{db_url}"\n\n[powerdns]\nmode = "managed"\n'
                    f'data_dir = "{settings.data_dir}"\nport = {settings.port}\n'
                    f'webserver_port = {settings.webserver_port}\npoll_interval = 0.05\n'
                    f'catalog_zone = ""\n')
    return path


def _wait(condition, what: str, timeout: float, serve: ZoneServe) -> None:
    wait_for(what, condition, timeout, serve.tail)


def _zone_answers(probe: DnsProbe, zone: str) -> bool:
    try:
        probe.dnskeys(zone)
        return True
    except ProbeError:
        return False


def test_dns_converges_after_kills_and_outages(core_database, zone_name, tmp_path) -> None:
    need_pdns()
    settings = PowerDnsSettings(data_dir=str(tmp_path / "pdns"), port=free_port(),
                                webserver_port=free_port())
    url = core_database.engine.url.render_as_string(hide_password=False)
    serve = ZoneServe(_config(tmp_path / "pyrar.toml", url, settings), settings,
                      tmp_path / "zone-serve.log")
    core = CoreWorld.create(core_database, serve.server, zone_name.rstrip("."))
    probe = DnsProbe("127.0.0.1", settings.port)
    core.external_hosts()
    stream = ChangeStream(core, seed=7)
    stream.run(40)                                 # some domains before zonegen first runs
    core.advance(days=6)                           # their add grace is over: deletes redeem
    serve.start()
    stop = threading.Event()
    writer = threading.Thread(target=stream.run, args=(100, stop))
    try:
        serve.pdns_pid()
        _wait(lambda: _zone_answers(probe, core.zone), "the TLD to be served", 30, serve)
        writer.start()
        for round in range(6):
            # each kill lands in the middle of more changes
            mark = stream.done + stream.refused
            _wait(lambda mark=mark: stream.done + stream.refused >= mark + 10
                  or not writer.is_alive(), "more changes", 60, serve)
            assert writer.is_alive(), repr(stream.error)
            if round % 2 == 0:
                serve.sigkill()                    # the publisher dies mid-stream...
                serve.start()                      # ...and comes back
                serve.pdns_pid()
                # up again, so the next kill of its PowerDNS is not one during its start
                # (zone serve exits then, for ``pyrar serve`` to restart it)
                _wait(lambda: _zone_answers(probe, core.zone), "the TLD to be served again",
                      30, serve)
            else:
                # PowerDNS dies; zone serve must notice and start it again
                os.kill(serve.pdns_pid(), signal.SIGKILL)
        stop.set()
        writer.join()
        assert stream.error is None, repr(stream.error)
        assert stream.done > 100, (stream.done, stream.refused)
        # a few certain delegations (the random stream may leave none), glue included
        for label in ("last1", "last2"):
            stream.names.append(core.domain(label, ns=EXTERNAL_NS[:1]))
        core.host(f"ns1.last2.{core.tld}", "192.0.2.99")
        core.update(f"last2.{core.tld}", add_nameservers=(f"ns1.last2.{core.tld}",))
        # the lifecycle purges what was left in redemption, zonegen still running
        core.advance(days=40)
        assert core.run_lifecycle().failed == 0
        _wait(lambda: core.pending_outbox() == 0, "the outbox to drain", 60, serve)
        pid = serve.pdns_pid()

        # the database rows of PowerDNS are exactly the desired ones...
        db = PdnsDb.open(settings)
        try:
            spec = core.state.zone_spec(core.zone)
            dry = ZoneSync(db).sync(spec, core.state.delegations(core.zone), dry_run=True)
            assert (dry.inserted, dry.deleted) == (0, 0), "PowerDNS differs from the database"
            denial = db.domain(core.zone).denial
        finally:
            db.close()
        # ...and every name is answered live as the core says, signed
        keys = probe.dnskeys(core.zone)
        faults = []
        delegated = 0
        for name in stream.names:
            expected = core.expected(name)
            delegated += expected is not None
            faults += check_delegation(probe, core.zone, denial, name + ".", expected, keys)
        assert faults == []
        assert 0 < delegated < len(stream.names)   # both kinds were checked
        assert serve.stop() == 0
        assert not _alive(pid), "zone serve left its PowerDNS running"
    finally:
        stop.set()
        if writer.is_alive():
            writer.join()
        serve.stop()
        core.close()
        leaked = [p for p in serve.pdns_pids if _alive(p)]
        for p in leaked:
            os.kill(p, signal.SIGTERM)
    assert leaked == [], f"pdns_server processes outlived their zone serve: {leaked}"
