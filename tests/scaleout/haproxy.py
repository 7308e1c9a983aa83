"""HAProxy (Debian's) of a test's own in front of PyRar nodes' faces (EPP, the site, RDAP,
WHOIS), configured as docs/scale-out.md says: TCP mode (TLS passes through to eppd), EPP by
least connections, each node health-checked on its health endpoint (``pyrar health serve``:
200 while its database is Synced in Galera's primary component) and then the face's own
port, a node marked down closing its sessions. Runs in the foreground (``-db``), stopped by
PID; its state is read from its stats socket."""

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
# each face HAProxy balances: EPP by least connections (long sessions), the others in turn
BALANCE = {"epp": "leastconn"}


@dataclass(frozen=True)
class Backend:
    """A node as HAProxy reaches it: its address, the port of each face it serves (``epp``,
    ``web``, ``rdap``, ``whois``) and of its health endpoint (``pyrar health serve``)."""

    name: str
    host: str
    ports: dict[str, int]
    health_port: int


def render(backends: list[Backend], ports: dict[str, int], stats: Path, check: float) -> str:
    """The configuration docs/scale-out.md gives, for these nodes: a frontend on ``ports``
    and a backend for each face. Every node serves a face, and its health endpoint, on one
    port number (each node is a machine of its own; here, an address)."""
    for face in ports:
        assert len({b.ports[face] for b in backends}) == 1, f"one {face} port for every node"
    assert len({b.health_port for b in backends}) == 1, "one health port for every node"
    interval = f"{int(check * 1000)}ms"
    text = f"""global
    stats socket {stats} mode 600 level admin
defaults
    mode tcp
    timeout connect 2s
    timeout check 2s
    timeout client 10m
    timeout server 10m
    retries 3
    option redispatch
"""
    for face, port in ports.items():
        servers = "\n".join(f"    server {b.name} {b.host}:{b.ports[face]}" for b in backends)
        text += f"""frontend {face}
    bind 127.0.0.1:{port}
    default_backend {face}
backend {face}
    balance {BALANCE.get(face, "roundrobin")}
    option httpchk
    http-check connect port {backends[0].health_port}
    http-check send meth GET uri /
    http-check expect status 200
    http-check connect
    default-server check inter {interval} fall 2 rise 2 on-marked-down shutdown-sessions
{servers}
"""
    return text


@dataclass
class HaProxy:
    directory: Path
    backends: list[Backend]
    ports: dict[str, int] = field(default_factory=dict)   # each face's frontend
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        for face in self.backends[0].ports:
            self.ports.setdefault(face, free_port())

    @property
    def port(self) -> int:
        """EPP's frontend."""
        return self.ports["epp"]

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
        config.write_text(render(self.backends, self.ports, self.stats_socket, CHECK_SECONDS))
        checked = subprocess.run(["haproxy", "-c", "-f", str(config)], capture_output=True,
                                 text=True, timeout=30)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(["haproxy", "-db", "-f", str(config)],
                                            stdout=log, stderr=subprocess.STDOUT)
        wait_for("HAProxy's stats socket", self.stats_socket.exists, 30,
                 lambda: self.log.read_text(errors="replace"))

    def servers(self, face: str = "epp") -> dict[str, dict[str, str]]:
        """A backend's servers as ``show stat`` gives them (status, scur, check_code...)."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(self.stats_socket))
            s.sendall(b"show stat\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        rows = csv.DictReader(data.decode().lstrip("# ").splitlines())
        return {r["svname"]: r for r in rows
                if r["pxname"] == face and r["svname"] not in ("FRONTEND", "BACKEND")}

    def up(self, name: str, face: str = "epp") -> bool:
        return self.servers(face)[name]["status"] == "UP"

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
