"""``pyrar serve`` on a sandbox made by ``pyrar init``, as tests drive it: its process tree
(read from /proc, so every process it ever ran is stopped by PID afterwards), a registrar's
EPP client (epptools) and non-recursive DNS queries to its PowerDNS."""

from __future__ import annotations

import contextlib
import json
import os
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
from epptools import Client
from epptools import Config as EppConfig
from epptools.exceptions import EppException

from tests.waiting import wait_for
from tests.zonegen.zonegen_helpers import free_port

REPO = Path(__file__).resolve().parents[2]
GLUE = "192.0.2.53"
START_TIMEOUT = 150.0  # a deadline, not a wait: four workers start stacks side by side
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

    def epp(self, clid: str = "registrar1", via: tuple[str, int] | None = None) -> Client:
        """A logged-in epptools client, as a registrar configures it from credentials.json;
        ``via``: another address (a load balancer in front of the server) that presents the
        same certificate."""
        cred = next(r for r in self.credentials["registrars"] if r["clid"] == clid)
        host, port = via or (cred["host"], cred["port"])
        client = Client(EppConfig(host=host, port=port, clid=clid,
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


def site_of(served: Served) -> dict:
    """The sandbox's site (``credentials.json``'s "web": url, admin, user), once serve is
    ready and has announced it."""
    served.wait_ready()
    web = served.credentials["web"]
    wait_for("serve announced the site", lambda: f"Web on {web['url'][7:]}" in served.log(),
             START_TIMEOUT, served.log)
    return web


def make_sandbox(tmp_path: Path, *init_args: str) -> Path:
    """``pyrar init`` on free ports in tmp_path/sandbox; ``init_args`` add options (--db)."""
    directory = tmp_path / "sandbox"
    ports: list[int] = []
    while len(ports) < 5:
        if (port := free_port()) not in ports:
            ports.append(port)
    subprocess.run(pyrar("init", str(directory), "--epp-port", str(ports[0]), "--dns-port",
                         str(ports[1]), "--pdns-api-port", str(ports[2]), "--rdap-port",
                         str(ports[3]), "--web-port", str(ports[4]), *init_args),
                   check=True, capture_output=True, env=environment(), cwd=tmp_path,
                   timeout=120)
    return directory


def pyrar(*args: str) -> list[str]:
    return [sys.executable, "-m", "pyrar.cli.main", *args]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYRAR_")}
    env["PYTHONPATH"] = str(REPO)
    return env


@contextlib.contextmanager
def serving(directory: Path, name: str = "serve", *serve_args: str,
            wrapper: tuple[str, ...] = ()) -> Iterator[Served]:
    """``pyrar --config DIR/pyrar.toml serve`` in its own session (as a terminal would run
    it in its own process group), output in DIR/../NAME.log; stopped and its processes
    ended, by PID, whatever the test did. ``wrapper``: a command serve runs under
    (strace ...); ``process`` is then the wrapper's."""
    config = directory / "pyrar.toml"
    log_path = directory.parent / f"{name}.log"
    pdns = tomllib.loads(config.read_text())["powerdns"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen([*wrapper, *pyrar("--config", str(config), "serve",
                                                     *serve_args)],
                                   env=environment(), cwd=directory.parent, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
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
    """eppd with its worker, zone serve with pdns_server, the lifecycle scheduler, RDAP."""
    for marker in (" eppd", "spawn_main", " zone serve", "pdns_server --config-dir=",
                   " lifecycle run --every", " rdap serve"):
        assert any(marker in p.cmdline for p in procs), (marker, procs)


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
    except ConnectionRefusedError:
        return True
    return False
