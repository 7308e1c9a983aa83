"""A MariaDB Galera cluster of the test's own on loopback: data nodes (mariadbd with Debian's
galera-4) and an arbitrator (garbd, a vote without data), each on its own ports and data
directory, started and stopped by PID. A joining node gets its data by mariadb-backup SST
(rsync SST fails when the daemon runs as root). The shared MariaDB is never touched."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.private_mariadb import INSTALL, SERVER
from tests.waiting import wait_for
from tests.zonegen.zonegen_helpers import free_port

PROVIDER = Path("/usr/lib/galera/libgalera_smm.so")
ARBITRATOR = "garbd"
CLUSTER = "pyrar-test"
START_TIMEOUT = 180.0  # a joiner's SST on a loaded machine


@dataclass
class Node:
    name: str
    directory: Path
    port: int = field(default_factory=free_port)
    gcomm: int = field(default_factory=free_port)
    ist: int = field(default_factory=free_port)
    sst: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    def url(self, database: str = "") -> str:
        return f"mysql+pymysql://root@127.0.0.1:{self.port}/{database}?ssl_disabled=1"

    def start(self, peers: list[int], *, bootstrap: bool) -> None:
        data = self.directory / "data"
        if not data.exists():
            subprocess.run([INSTALL, "--no-defaults", f"--datadir={data}",
                            "--auth-root-authentication-method=normal", "--skip-test-db",
                            "--user=root"], check=True, capture_output=True)
        members = ",".join(f"127.0.0.1:{p}" for p in peers)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [SERVER, "--no-defaults", f"--datadir={data}", f"--port={self.port}",
                 "--bind-address=127.0.0.1", f"--socket={self.directory / 'sock'}",
                 f"--pid-file={self.directory / 'pid'}", "--user=root",
                 "--innodb-log-file-size=16M",
                 "--skip-name-resolve", "--binlog-format=ROW",
                 "--default-storage-engine=InnoDB", "--innodb-autoinc-lock-mode=2",
                 "--wsrep-on=ON", f"--wsrep-provider={PROVIDER}",
                 f"--wsrep-cluster-name={CLUSTER}", f"--wsrep-node-name={self.name}",
                 "--wsrep-node-address=127.0.0.1",
                 f"--wsrep-cluster-address=gcomm://{'' if bootstrap else members}",
                 f"--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{self.gcomm};"
                 f"ist.recv_addr=127.0.0.1:{self.ist};gcache.size=32M",
                 "--wsrep-sst-method=mariabackup", "--wsrep-sst-auth=root:",
                 f"--wsrep-sst-receive-address=127.0.0.1:{self.sst}",
                 "--wsrep-slave-threads=2"],
                stdout=log, stderr=subprocess.STDOUT)
        wait_for(f"Galera node {self.name} synced", self.synced, START_TIMEOUT,
                 lambda: self.log.read_text(errors="replace")[-6000:])

    def status(self, variable: str) -> str | None:
        if self.process is None or self.process.poll() is not None:
            return None
        engine = create_engine(self.url(), connect_args={"connect_timeout": 2})
        try:
            with engine.connect() as conn:
                row = conn.execute(text("SHOW STATUS LIKE :v"), {"v": variable}).first()
                return None if row is None else row[1]
        except Exception:
            return None
        finally:
            engine.dispose()

    def synced(self) -> bool:
        return self.status("wsrep_local_state_comment") == "Synced"

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        self.process = None


@dataclass
class Arbitrator:
    directory: Path
    gcomm: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def start(self, peers: list[int]) -> None:
        members = ",".join(f"127.0.0.1:{p}" for p in peers)
        with (self.directory / "garbd.log").open("ab") as log:
            self.process = subprocess.Popen(
                [ARBITRATOR, f"--address=gcomm://{members}", f"--group={CLUSTER}",
                 f"--options=gmcast.listen_addr=tcp://127.0.0.1:{self.gcomm}"],
                stdout=log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
        self.process = None


@dataclass
class Cluster:
    nodes: list[Node]
    arbitrator: Arbitrator

    def size(self, node: Node) -> int:
        return int(node.status("wsrep_cluster_size") or 0)

    def primary(self, node: Node) -> bool:
        return node.status("wsrep_cluster_status") == "Primary"


@contextlib.contextmanager
def galera_cluster(directory: Path, data_nodes: int = 2) -> Iterator[Cluster]:
    """``data_nodes`` mariadbd nodes and an arbitrator: three votes, so the survivors of one
    killed node keep the majority (a primary component) and go on accepting writes."""
    for program in (INSTALL, ARBITRATOR, "mariadb-backup", "socat"):
        if shutil.which(program) is None:
            pytest.fail(f"needs {program} (scripts/setup installs galera-4, "
                        "galera-arbitrator-4, mariadb-backup and socat)")
    if not PROVIDER.exists() or not Path(SERVER).exists():
        pytest.fail(f"needs {PROVIDER} and {SERVER} (Debian's galera-4 and mariadb-server)")
    nodes = []
    for i in range(data_nodes):
        (directory / f"node{i + 1}").mkdir(parents=True, exist_ok=True)
        nodes.append(Node(f"node{i + 1}", directory / f"node{i + 1}"))
    arbitrator = Arbitrator(directory)
    cluster = Cluster(nodes, arbitrator)
    peers = [n.gcomm for n in nodes]
    try:
        nodes[0].start(peers, bootstrap=True)
        for node in nodes[1:]:
            node.start(peers, bootstrap=False)   # SST from a synced node
        arbitrator.start(peers)
        wait_for("the cluster has every member", lambda: cluster.size(nodes[0]) ==
                 data_nodes + 1, 60, lambda: (directory / "garbd.log").read_text())
        yield cluster
    finally:
        arbitrator.stop()
        for node in reversed(nodes):
            node.kill()
