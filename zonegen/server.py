"""A PowerDNS Authoritative server run by PyRar itself (mode = "managed").

The child gets its own config dir under the data directory (never Debian's /etc/powerdns) and
the API on loopback. It sends nothing anywhere but to the configured secondaries: PowerDNS
would NOTIFY the name servers of each zone's NS RRset, and to find their addresses it resolves
those names with the system's resolver (getaddrinfo) *before* ``only-notify`` filters them, so
a filter alone still sent DNS queries off the machine on every change. An empty
``only-notify`` turns that NS-based NOTIFY off entirely (no lookup at all); the secondaries,
given as addresses, are NOTIFYed through ``also-notify``. ``resolver`` points PowerDNS's own
stub resolver (ALIAS, LUA records; unused by our zones) at itself, never at the system's.

The child must not outlive us: a ``pyrar zone serve`` killed with SIGKILL (a crash, or a
supervisor giving up) used to leave its pdns_server running, holding the ports, and the next
start then silently used that orphan and never stopped it. The child now gets SIGTERM when we
die (``setpriv --pdeathsig``), and a start first ends an orphan of ours that is still there
(found by the owner file, by PID).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from zonegen.api import PowerDnsApi, PowerDnsApiError
from zonegen.config import PowerDnsSettings
from zonegen.pdnsdb import MYSQL_SCHEMA, PdnsDb, SqlitePdnsDb


class PowerDnsStartError(Exception):
    """pdns_server did not come up; the message carries the end of its log."""


def render_config(settings: PowerDnsSettings, data_dir: Path, api_key: str,
                  sqlite_file: Path) -> str:
    lines = [
        "# written by PyRar (zonegen.server); regenerated on every start",
        "daemon=no",
        "guardian=no",
        # relative to the data directory, pdns_server's working directory: the absolute path of
        # its control socket would be over the 107 bytes a UNIX socket path may have under a
        # deep directory, and pdns_server would refuse to start
        "socket-dir=run",
        f"local-address={settings.address}",
        f"local-port={settings.port}",
        "api=yes",
        f"api-key={api_key}",
        "webserver=yes",
        "webserver-address=127.0.0.1",
        f"webserver-port={settings.webserver_port}",
        "webserver-allow-from=127.0.0.1,::1",
        "webserver-max-bodysize=256",
        "primary=yes",
        "only-notify=",
        f"also-notify={','.join(settings.secondaries)}",
        f"resolver={_endpoint(settings.address, settings.port)}",
        f"xfr-cycle-interval={settings.xfr_cycle_interval}",
        "allow-axfr-ips=" + ",".join(dict.fromkeys(["127.0.0.0/8", "::1",
                                                    *settings.secondary_addresses])),
        "disable-axfr=no",
        "security-poll-suffix=",
        "default-api-rectify=yes",
        f"cache-ttl={settings.cache_ttl}",
        f"query-cache-ttl={settings.query_cache_ttl}",
        f"negquery-cache-ttl={settings.negquery_cache_ttl}",
    ]
    if settings.backend == "gmysql":
        lines += [
            "launch=gmysql",
            f"gmysql-host={settings.mysql_host}",
            f"gmysql-port={settings.mysql_port}",
            f"gmysql-user={settings.mysql_user}",
            f"gmysql-password={settings.mysql_password}",
            f"gmysql-dbname={settings.mysql_database}",
            "gmysql-dnssec=yes",
        ]
    else:
        lines += ["launch=gsqlite3", f"gsqlite3-database={sqlite_file}", "gsqlite3-dnssec=yes"]
    return "\n".join(lines) + "\n"


class ManagedPowerDns:
    """Start, wait for, and stop (by PID) our own pdns_server."""

    def __init__(self, settings: PowerDnsSettings, base_dir: Path | None = None) -> None:
        if settings.mode != "managed":
            raise ValueError("ManagedPowerDns needs [powerdns] mode = managed")
        self.settings = settings
        self.data_dir = settings.data_path(base_dir)
        self.sqlite_file = settings.sqlite_file(base_dir)
        self.base_dir = base_dir
        self.process: subprocess.Popen | None = None
        self.log_path = self.data_dir / "pdns.log"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def owner_file(self) -> Path:
        """``<pdns pid> <our pid>``: lets the next start find an orphan of a crashed run."""
        return self.data_dir / "run" / "pyrar-owner"

    def api(self) -> PowerDnsApi:
        return PowerDnsApi(self.settings.resolved_api_url(),
                           self.settings.resolved_api_key(self.base_dir),
                           self.settings.server_id)

    def prepare(self) -> None:
        """Config file, API key and an initialised database (kept if they exist)."""
        (self.data_dir / "run").mkdir(parents=True, exist_ok=True)
        key = self.settings.resolved_api_key(self.base_dir)
        conf = self.data_dir / "pdns.conf"
        conf.write_text(render_config(self.settings, self.data_dir, key, self.sqlite_file))
        conf.chmod(0o600)
        if self.settings.backend == "gmysql":
            self._prepare_mysql()
        elif not self.sqlite_file.exists():
            self.sqlite_file.parent.mkdir(parents=True, exist_ok=True)
            SqlitePdnsDb.create(self.sqlite_file)
        db = PdnsDb.open(self.settings, self.base_dir)
        try:
            db.ensure_parent_index()
        finally:
            db.close()

    def _prepare_mysql(self) -> None:
        db = PdnsDb.open(self.settings, self.base_dir)
        try:
            tables = {r[0] for r in db.execute("SHOW TABLES").fetchall()}
            if "records" not in tables:
                for stmt in MYSQL_SCHEMA.read_text().split(";"):
                    if stmt.strip():
                        db.execute(stmt)
        finally:
            db.close()

    def start(self) -> None:
        if self.process and self.process.poll() is None:
            return
        self.prepare()
        self._end_orphan()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [*_die_with_parent(), *self.command()],
                cwd=self.data_dir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.owner_file.write_text(f"{self.process.pid} {os.getpid()}\n")
        self.wait_ready()

    def command(self) -> list[str]:
        """The server's command line (a test runs it under strace)."""
        return [_executable(self.settings.pdns_server), f"--config-dir={self.data_dir}"]

    def _end_orphan(self) -> None:
        """Stop the pdns_server a crashed earlier run of ours left behind (by its PID); refuse
        to start while another live process runs this data directory's server."""
        try:
            pdns_pid, owner = (int(x) for x in self.owner_file.read_text().split())
        except (OSError, ValueError):
            return
        if pdns_pid == self.pid or not _is_pdns_of(pdns_pid, self.data_dir):
            return              # gone (or the PID now belongs to something else)
        if owner != os.getpid() and _alive(owner):
            raise PowerDnsStartError(f"the PowerDNS of {self.data_dir} is already run by "
                                     f"process {owner}")
        _terminate(pdns_pid, self.data_dir)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.settings.start_timeout
        api = self.api()
        api.timeout = 2.0
        while True:
            if self.process and self.process.poll() is not None:
                raise PowerDnsStartError(self._exit_reason())
            try:
                api.server()
                if _dns_port_open(self.settings.address, self.settings.port):
                    return
            except PowerDnsApiError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise PowerDnsStartError(f"pdns_server not ready after "
                                         f"{self.settings.start_timeout}s:\n{self.log_tail()}")
            time.sleep(0.05)

    def _exit_reason(self) -> str:
        """One line for a port another program holds (the usual cause), else the log's end."""
        tail = self.log_tail()
        bind = re.search(r"Unable to bind (\w+) socket to '([^']+)': (.*)", tail)
        if bind:
            return (f"pdns_server cannot listen on {bind.group(2)} ({bind.group(1)}): "
                    f"{bind.group(3).strip()}; stop what holds it or change [powerdns] port")
        code = self.process.returncode if self.process else None
        return f"pdns_server exited with {code}:\n{tail}"

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.process = self.process, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.owner_file.unlink(missing_ok=True)

    def kill(self) -> None:
        """Stop abruptly (SIGKILL), as a crash would."""
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> ManagedPowerDns:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _endpoint(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _executable(name: str) -> str:
    """``name`` on PATH, else in /usr/sbin or /sbin: Debian installs pdns_server there,
    outside an ordinary user's PATH."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin") or name


def _die_with_parent() -> list[str]:
    """A prefix that makes the child get SIGTERM when this process dies, even by SIGKILL."""
    setpriv = shutil.which("setpriv")      # util-linux; PR_SET_PDEATHSIG survives the exec
    return [setpriv, "--pdeathsig", "TERM"] if setpriv else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] == "Z"


def _is_pdns_of(pid: int, data_dir: Path) -> bool:
    """Whether ``pid`` is a live pdns_server run with ``data_dir`` as its config dir."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return f"--config-dir={data_dir}".encode() in args and _alive(pid)


def _terminate(pid: int, data_dir: Path, timeout: float = 10.0) -> None:
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _is_pdns_of(pid, data_dir):
                return
            time.sleep(0.05)
    raise PowerDnsStartError(f"an earlier pdns_server (PID {pid}) of {data_dir} does not stop")


def _dns_port_open(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False
