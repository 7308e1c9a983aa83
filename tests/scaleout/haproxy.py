"""HAProxy (Debian's) of a test's own in front of PyRar nodes' EPP ports, configured as
docs/scale-out.md says: TCP mode (TLS passes through to eppd), least connections, each node
health-checked on its MariaDB (the handshake) and then its EPP port, a node marked down
closing its sessions. Runs in the foreground (``-db``), stopped by PID; its state is read
from its stats socket."""

from __future__ import annotations

import csv
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.waiting import wait_for
from tests.zonegen.zonegen_helpers import free_port

CHECK_SECONDS = 0.5   # docs/scale-out.md: 2 s in production; the test's nodes are on loopback


@dataclass(frozen=True)
class Backend:
    """A node as HAProxy reaches it: its address, EPP and MariaDB ports."""

    name: str
    host: str
    epp_port: int
    sql_port: int


def render(backends: list[Backend], port: int, stats: Path, check: float) -> str:
    """The configuration docs/scale-out.md gives, for these nodes. Every node's MariaDB and
    EPP share a port number (each node is a machine of its own; here, an address)."""
    sql_ports = {b.sql_port for b in backends}
    epp_ports = {b.epp_port for b in backends}
    assert len(sql_ports) == len(epp_ports) == 1, "one SQL and one EPP port for every node"
    servers = "\n".join(f"    server {b.name} {b.host}:{b.epp_port}" for b in backends)
    interval = f"{int(check * 1000)}ms"
    return f"""global
    stats socket {stats} mode 600 level admin
defaults
    mode tcp
    timeout connect 2s
    timeout check 2s
    timeout client 10m
    timeout server 10m
    retries 3
    option redispatch
frontend epp
    bind 127.0.0.1:{port}
    default_backend epp
backend epp
    balance leastconn
    option tcp-check
    tcp-check connect port {sql_ports.pop()}
    tcp-check expect string MariaDB
    tcp-check connect
    default-server check inter {interval} fall 2 rise 2 on-marked-down shutdown-sessions
{servers}
"""


@dataclass
class HaProxy:
    directory: Path
    backends: list[Backend]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def stats_socket(self) -> Path:
        return self.directory / "haproxy.sock"

    @property
    def log(self) -> Path:
        return self.directory / "haproxy.log"

    def start(self) -> None:
        if shutil.which("haproxy") is None:
            pytest.fail("needs haproxy (scripts/setup installs Debian's haproxy)")
        config = self.directory / "haproxy.cfg"
        config.write_text(render(self.backends, self.port, self.stats_socket, CHECK_SECONDS))
        checked = subprocess.run(["haproxy", "-c", "-f", str(config)], capture_output=True,
                                 text=True, timeout=30)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(["haproxy", "-db", "-f", str(config)],
                                            stdout=log, stderr=subprocess.STDOUT)
        wait_for("HAProxy's stats socket", self.stats_socket.exists, 30,
                 lambda: self.log.read_text(errors="replace"))

    def servers(self) -> dict[str, dict[str, str]]:
        """The EPP backend's servers as ``show stat`` gives them (status, scur...)."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(self.stats_socket))
            s.sendall(b"show stat\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        rows = csv.DictReader(data.decode().lstrip("# ").splitlines())
        return {r["svname"]: r for r in rows
                if r["pxname"] == "epp" and r["svname"] not in ("FRONTEND", "BACKEND")}

    def up(self, name: str) -> bool:
        return self.servers()[name]["status"] == "UP"

    def sessions(self, name: str) -> int:
        return int(self.servers()[name]["scur"] or 0)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        self.process = None
