"""``pyrar serve`` end to end, as README's ``make run`` uses it: a sandbox from ``pyrar init``,
served by real processes (eppd and its workers, ``zone serve`` with its managed PowerDNS on
SQLite, the lifecycle scheduler). A registrar's EPP client (epptools, from PyPI) creates a
delegation with glue and PowerDNS answers it; a crashed component is restarted; SIGTERM,
Ctrl-C and SIGKILL of serve each leave no process behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
from epptools import Client
from epptools import Config as EppConfig
from epptools.exceptions import EppException

from tests.waiting import wait_for
from tests.zonegen.zonegen_helpers import free_port, need_pdns

pytestmark = [pytest.mark.pdns, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
GLUE = "192.0.2.53"
START_TIMEOUT = 60.0
PUBLISH_TIMEOUT = 60.0
EXIT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Proc:
    """A process as /proc shows it; ``start`` (clock ticks after boot) tells a reused PID
    apart from the process we saw."""

    pid: int
    start: int
    cmdline: str

    def alive(self) -> bool:
        stat = _stat(self.pid)
        return stat is not None and stat[0] != "Z" and int(stat[19]) == self.start


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def descendants(root: int) -> list[Proc]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            children.setdefault(int(stat[1]), []).append(int(entry.name))
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        stat = _stat(pid)
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if stat is not None:
            found.append(Proc(pid, int(stat[19]), cmd.strip()))
            todo += children.get(pid, [])
    return found


@dataclass
class Served:
    """A sandbox and the ``pyrar serve`` running it."""

    directory: Path
    process: subprocess.Popen
    log_path: Path
    credentials: dict
    dns_port: int
    api_port: int
    seen: set[Proc] = field(default_factory=set)   # everything it ever ran, for the cleanup

    @property
    def epp_port(self) -> int:
        return int(self.credentials["port"])

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def tree(self) -> list[Proc]:
        procs = descendants(self.process.pid)
        self.seen.update(procs)
        return procs

    def eppd(self) -> list[Proc]:
        return [p for p in self.tree() if p.cmdline.endswith(" eppd")]

    def epp(self, clid: str = "registrar1") -> Client:
        """A logged-in epptools client, as a registrar configures it from credentials.json."""
        cred = next(r for r in self.credentials["registrars"] if r["clid"] == clid)
        client = Client(EppConfig(host=cred["host"], port=cred["port"], clid=clid,
                                  password=cred["password"], ca_file=cred["ca"],
                                  client_cert=cred["cert"], client_key=cred["key"],
                                  connect_timeout=3.0, read_timeout=10.0))
        client.throw_on_failure(False)
        client.connect()
        try:
            assert client.login().code() == 1000
        except BaseException:
            client.disconnect()
            raise
        return client

    def epp_answers(self) -> bool:
        try:
            client = self.epp()
        except (OSError, EppException):
            return False
        client.logout()
        client.disconnect()
        return True

    def dns(self, name: str, rdtype: str) -> dns.message.Message | None:
        """The answer of the sandbox's PowerDNS to a non-recursive query (dig +norec)."""
        query = dns.message.make_query(name, rdtype)
        query.flags &= ~dns.flags.RD
        try:
            return dns.query.udp(query, "127.0.0.1", port=self.dns_port, timeout=2.0)
        except (OSError, dns.exception.Timeout):
            return None

    def soa_answered(self, zone: str) -> bool:
        reply = self.dns(zone, "SOA")
        return reply is not None and reply.rcode() == dns.rcode.NOERROR and any(
            r.rdtype == dns.rdatatype.SOA for r in reply.answer)

    def wait_ready(self) -> None:
        def up() -> bool:
            assert self.process.poll() is None, f"serve exited early:\n{self.log()}"
            return ("PyRar is running" in self.log() and self.epp_answers()
                    and self.soa_answered("example."))
        wait_for("serve announced itself, EPP and the TLD's SOA answered", up, START_TIMEOUT,
                 self.log)
        self.tree()


@pytest.fixture
def sandbox(tmp_path) -> Path:
    need_pdns()
    directory = tmp_path / "sandbox"
    ports: list[int] = []
    while len(ports) < 3:
        if (port := free_port()) not in ports:
            ports.append(port)
    subprocess.run(_pyrar("init", str(directory), "--epp-port", str(ports[0]), "--dns-port",
                          str(ports[1]), "--pdns-api-port", str(ports[2])),
                   check=True, capture_output=True, env=_env(), cwd=tmp_path, timeout=120)
    return directory


def _pyrar(*args: str) -> list[str]:
    return [sys.executable, "-m", "pyrar.cli.main", *args]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYRAR_")}
    env["PYTHONPATH"] = str(REPO)
    return env


@contextlib.contextmanager
def serving(directory: Path, name: str = "serve") -> Iterator[Served]:
    """``pyrar --config DIR/pyrar.toml serve`` in its own session (as a terminal would run
    it in its own process group), output in DIR/../NAME.log; stopped and its processes
    ended, by PID, whatever the test did."""
    config = directory / "pyrar.toml"
    log_path = directory.parent / f"{name}.log"
    pdns = tomllib.loads(config.read_text())["powerdns"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(_pyrar("--config", str(config), "serve"), env=_env(),
                                   cwd=directory.parent, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    served = Served(directory, process, log_path,
                    json.loads((directory / "credentials.json").read_text()), pdns["port"],
                    pdns["webserver_port"])
    try:
        yield served
    finally:
        if process.poll() is None:
            served.tree()
            process.terminate()
            try:
                process.wait(EXIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for p in served.seen:
            if p.alive():
                os.kill(p.pid, signal.SIGKILL)


def assert_all_gone(procs: list[Proc], log: Callable[[], str]) -> None:
    wait_for("every child of serve exited", lambda: not [p for p in procs if p.alive()],
             EXIT_TIMEOUT, lambda: "still running: " + "; ".join(
                 f"{p.pid} {p.cmdline}" for p in procs if p.alive()) + "\n" + log())


def assert_full_tree(procs: list[Proc]) -> None:
    """eppd with its worker, zone serve with pdns_server, the lifecycle scheduler."""
    for marker in (" eppd", "spawn_main", " zone serve", "pdns_server --config-dir=",
                   " lifecycle run --every"):
        assert any(marker in p.cmdline for p in procs), (marker, procs)


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
    except ConnectionRefusedError:
        return True
    return False


def label() -> str:
    return f"srv{secrets.token_hex(4)}"


def test_serve_publishes_restarts_and_stops(sandbox):
    with serving(sandbox) as served:
        served.wait_ready()
        log = served.log()
        # announced once every component said it serves, not when eppd's port was bound
        # (its supervisor binds it before any worker can take a connection)
        for name in ("eppd", "zonegen", "lifecycle"):
            assert log.index(f"serve INFO: {name} is ready") < log.index("PyRar is running")
        assert f"EPP on 127.0.0.1:{served.epp_port}" in log
        assert f"DNS on 127.0.0.1:{served.dns_port}" in log
        assert str(sandbox / "credentials.json") in log
        wait_for("lifecycle reported its first round",
                 lambda: "lifecycle: 0 domain(s)" in served.log(), START_TIMEOUT, served.log)

        # a delegation with glue, over EPP, as a registrar makes one
        domain = f"{label()}.example"
        other = f"{label()}.example"
        ns = f"ns1.{domain}"
        auth = secrets.token_urlsafe(24)
        epp = served.epp()
        try:
            assert epp.domain.create(domain, years=1, auth_info=auth).code() == 1000
            assert epp.host.create(ns, [GLUE]).code() == 1000
            assert epp.domain.update(domain, add={"ns": [ns]}).code() == 1000
            assert epp.domain.create(other, years=1, nameservers=[ns],
                                     auth_info=auth).code() == 1000
        finally:
            epp.disconnect()

        def delegated(name: str) -> dns.message.Message | None:
            reply = served.dns(name, "NS")
            if reply is None or reply.rcode() != dns.rcode.NOERROR:
                return None
            ns_sets = [r for r in reply.authority if r.rdtype == dns.rdatatype.NS]
            return reply if ns_sets and ns_sets[0].name.to_text() == f"{name}." else None

        for name in (domain, other):
            reply = wait_for(f"PowerDNS delegates {name}", lambda n=name: delegated(n),
                             PUBLISH_TIMEOUT, served.log)
            assert not reply.flags & dns.flags.AA  # a referral, not an answer
            ns_set = next(r for r in reply.authority if r.rdtype == dns.rdatatype.NS)
            assert [r.target.to_text() for r in ns_set] == [f"{ns}."]
            glue = [r for r in reply.additional if r.rdtype == dns.rdatatype.A]
            assert [(g.name.to_text(), [a.address for a in g]) for g in glue] == \
                [(f"{ns}.", [GLUE])]

        # eppd crashes (SIGKILL, so it cannot stop its worker): serve starts it again, and
        # the crashed one's worker does not stay behind on the shared port
        [eppd] = served.eppd()
        old_workers = [p for p in descendants(eppd.pid) if "spawn_main" in p.cmdline]
        assert old_workers
        os.kill(eppd.pid, signal.SIGKILL)
        assert_all_gone([eppd, *old_workers], served.log)
        wait_for("serve started eppd again",
                 lambda: [p for p in served.eppd() if p.pid != eppd.pid],
                 START_TIMEOUT, served.log)
        assert f"eppd (pid {eppd.pid}) exited with status -9" in served.log()
        wait_for("EPP answers again", served.epp_answers, START_TIMEOUT, served.log)
        epp = served.epp()
        try:
            assert epp.domain.info(domain).code() == 1000
        finally:
            epp.disconnect()
        assert served.process.poll() is None

        # SIGTERM: serve stops every component and exits 0
        procs = served.tree()
        assert_full_tree(procs)
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(EXIT_TIMEOUT) == 0
        assert_all_gone(procs, served.log)
        log = served.log()
        assert "SIGTERM: stopping every component" in log and log.rstrip().endswith("stopped")
        assert "Traceback" not in log, log
        for port in (served.epp_port, served.dns_port, served.api_port):
            assert refused(port), port


def test_ctrl_c_stops_everything_cleanly(sandbox):
    """Ctrl-C in a terminal signals the whole foreground process group at once."""
    with serving(sandbox) as served:
        served.wait_ready()
        procs = served.tree()
        assert_full_tree(procs)
        os.killpg(served.process.pid, signal.SIGINT)
        assert served.process.wait(EXIT_TIMEOUT) == 0
        assert_all_gone(procs, served.log)
        log = served.log()
        assert "SIGINT: stopping every component" in log
        assert "Traceback" not in log and "exited with status" not in log, log


def test_children_die_with_a_killed_serve(sandbox):
    with serving(sandbox) as served:
        served.wait_ready()
        procs = served.tree()
        assert_full_tree(procs)
        served.process.kill()
        assert served.process.wait(EXIT_TIMEOUT) == -signal.SIGKILL
        assert_all_gone(procs, served.log)
        for port in (served.epp_port, served.dns_port, served.api_port):
            assert refused(port), port

    # and the sandbox serves again afterwards, with the zones PowerDNS kept
    with serving(sandbox, "serve-again") as served:
        served.wait_ready()


def test_taken_port_is_refused_before_anything_starts(sandbox):
    epp_port = tomllib.loads((sandbox / "pyrar.toml").read_text())["eppd"]["port"]
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", epp_port))
        squatter.listen()
        proc = subprocess.run(_pyrar("--config", str(sandbox / "pyrar.toml"), "serve"),
                              env=_env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"pyrar: error: already in use: 127.0.0.1:{epp_port} (EPP")
    assert len(proc.stderr.splitlines()) == 1
    assert not (sandbox / "powerdns" / "pdns.conf").exists()  # zone serve never ran
