"""A MariaDB Galera cluster of the test's own on loopback: data nodes (mariadbd with Debian's
galera-4) and an arbitrator (garbd, a vote without data), each on its own ports and data
directory, started and stopped by PID. A joining node gets its data by mariadb-backup SST
(rsync SST fails when the daemon runs as root). The shared MariaDB is never touched."""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.private_mariadb import INSTALL, SERVER
from tests.waiting import wait_for
from tests.zonegen.zonegen_helpers import free_port

PROVIDER = Path("/usr/lib/galera/libgalera_smm.so")
ARBITRATOR = "garbd"
CLUSTER = "pyrar-test"
START_TIMEOUT = 180.0  # a joiner's SST on a loaded machine


@dataclass
class Node:
    """``host``: the loopback address its SQL port listens on (replication stays on
    127.0.0.1); nodes on addresses of their own share one SQL port, as machines would."""

    name: str
    directory: Path
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    gcomm: int = field(default_factory=free_port)
    ist: int = field(default_factory=free_port)
    sst: int = field(default_factory=free_port)
    # the writes a node may miss and still catch up by IST (else a full SST)
    gcache_size: str = "32M"
    process: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    def url(self, database: str = "", *, sync_wait: bool = False) -> str:
        """``sync_wait``: every read waits until this node has applied what the cluster
        committed before it (docs/scale-out.md: read-your-writes across nodes)."""
        url = f"mysql+pymysql://root@{self.host}:{self.port}/{database}?ssl_disabled=1"
        return url + "&init_command=" + quote("SET SESSION wsrep_sync_wait=1") if sync_wait \
            else url

    def start(self, peers: list[int], *, bootstrap: bool, wait: bool = True) -> None:
        """Start mariadbd; ``wait``: until it is Synced (else call ``wait_synced``)."""
        data = self.directory / "data"
        if not data.exists():
            subprocess.run([INSTALL, "--no-defaults", f"--datadir={data}",
                            "--auth-root-authentication-method=normal", "--skip-test-db",
                            "--user=root"], check=True, capture_output=True)
        arguments = self._arguments(peers, bootstrap=bootstrap) + self._recovered_position()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(arguments, stdout=log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_synced()

    def _arguments(self, peers: list[int], *, bootstrap: bool) -> list[str]:
        members = ",".join(f"127.0.0.1:{p}" for p in peers)
        return [SERVER, "--no-defaults", f"--datadir={self.directory / 'data'}",
                f"--port={self.port}", f"--bind-address={self.host}",
                f"--socket={self.directory / 'sock'}", f"--pid-file={self.directory / 'pid'}",
                "--user=root", "--innodb-log-file-size=16M",
                "--skip-name-resolve", "--binlog-format=ROW",
                "--default-storage-engine=InnoDB", "--innodb-autoinc-lock-mode=2",
                "--wsrep-on=ON", f"--wsrep-provider={PROVIDER}",
                f"--wsrep-cluster-name={CLUSTER}", f"--wsrep-node-name={self.name}",
                "--wsrep-node-address=127.0.0.1",
                f"--wsrep-cluster-address=gcomm://{'' if bootstrap else members}",
                f"--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{self.gcomm};"
                f"ist.recv_addr=127.0.0.1:{self.ist};gcache.size={self.gcache_size}",
                "--wsrep-sst-method=mariabackup", "--wsrep-sst-auth=root:",
                f"--wsrep-sst-receive-address=127.0.0.1:{self.sst}",
                "--wsrep-slave-threads=2"]

    def _recovered_position(self) -> list[str]:
        """What Debian's mariadb.service does through ``galera_recovery`` before a start: a
        node killed mid-flight left seqno -1 in grastate.dat, and would ask for a full SST;
        ``--wsrep-recover`` reads its last committed position from InnoDB, and started from
        there it catches up by IST from a survivor's gcache."""
        state = self.directory / "data" / "grastate.dat"
        if not state.exists() or not re.search(r"^seqno:\s*-1\s*$", state.read_text(), re.M):
            return []
        recovery = self.directory / "recovery.log"
        recovery.unlink(missing_ok=True)
        process = subprocess.Popen([*self._arguments([], bootstrap=True), "--wsrep-recover",
                                    "--skip-networking", f"--log-error={recovery}"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        read = lambda: recovery.read_text(errors="replace") if recovery.exists() else ""  # noqa: E731
        try:
            found = wait_for(f"{self.name}: its position recovered", lambda: re.search(
                r"Recovered position: ([0-9a-f-]+:-?\d+)", read()), START_TIMEOUT,
                lambda: read()[-3000:])
            # it ends by itself once it has printed the position; once in CI it lingered
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(30)
        finally:
            _end(process, kill=True)
        return [f"--wsrep-start-position={found.group(1)}"]

    def wait_synced(self) -> None:
        wait_for(f"Galera node {self.name} synced", self.synced, START_TIMEOUT,
                 lambda: self.log.read_text(errors="replace")[-6000:])

    def status(self, variable: str) -> str | None:
        """A status variable, read with the mariadb client: a node outside the primary
        component refuses the SELECTs a Python driver sends when it connects."""
        if self.process is None or self.process.poll() is not None:
            return None
        shown = subprocess.run(["mariadb", "-h", self.host, "-P", str(self.port), "-u",
                                "root", "--connect-timeout=2", "-N", "-B", "-e",
                                f"SHOW STATUS LIKE '{variable}'"],
                               capture_output=True, text=True, timeout=30)
        fields = shown.stdout.split()
        return fields[1] if shown.returncode == 0 and len(fields) == 2 else None

    def synced(self) -> bool:
        return self.status("wsrep_local_state_comment") == "Synced"

    def kill(self) -> None:
        _end(self.process, kill=True)
        self.process = None

    def stop(self) -> None:
        _end(self.process, kill=False)
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
        """A clean leave: the others recompute the quorum without it."""
        _end(self.process, kill=False)
        self.process = None

    def kill(self) -> None:
        """Gone without a word: its vote is missing until the others time it out."""
        _end(self.process, kill=True)
        self.process = None


def free_port_on(hosts: list[str]) -> int:
    """A TCP port free on every one of these loopback addresses."""
    while True:
        port = free_port()
        try:
            for host in hosts:
                with socket.socket() as s:
                    s.bind((host, port))
        except OSError:
            continue
        return port


def _end(process: subprocess.Popen | None, *, kill: bool) -> None:
    """End a process of ours by its PID: SIGKILL, or SIGTERM and SIGKILL a minute later."""
    if process is None or process.poll() is not None:
        return
    if not kill:
        process.terminate()
        try:
            process.wait(60)
            return
        except subprocess.TimeoutExpired:
            pass
    process.kill()
    process.wait(30)


@dataclass
class Cluster:
    nodes: list[Node]
    arbitrator: Arbitrator | None

    @property
    def members(self) -> int:
        """Every member when all are up: the data nodes and the arbitrator, if any."""
        return len(self.nodes) + (self.arbitrator is not None)

    def size(self, node: Node) -> int:
        return int(node.status("wsrep_cluster_size") or 0)

    def primary(self, node: Node) -> bool:
        return node.status("wsrep_cluster_status") == "Primary"


@contextlib.contextmanager
def galera_cluster(directory: Path, data_nodes: int = 2, hosts: list[str] | None = None,
                   *, arbitrator: bool = True, gcache_size: str = "32M") -> Iterator[Cluster]:
    """``data_nodes`` mariadbd nodes and (``arbitrator``) garbd: two data nodes and the
    arbitrator, or three data nodes, are three votes, so the survivors of one killed node
    keep the majority (a primary component) and go on accepting writes. ``hosts``: each
    node's SQL address (one SQL port for all); 127.0.0.1 and ports of their own by
    default. ``gcache_size``: each node's gcache (a small one makes a node that was down
    rejoin by full SST)."""
    for program in (INSTALL, ARBITRATOR, "mariadb-backup", "socat"):
        if shutil.which(program) is None:
            pytest.fail(f"needs {program} (scripts/setup installs galera-4, "
                        "galera-arbitrator-4, mariadb-backup and socat)")
    if not PROVIDER.exists() or not Path(SERVER).exists():
        pytest.fail(f"needs {PROVIDER} and {SERVER} (Debian's galera-4 and mariadb-server)")
    nodes = []
    shared_port = free_port_on(hosts) if hosts is not None else 0
    for i in range(data_nodes):
        (directory / f"node{i + 1}").mkdir(parents=True, exist_ok=True)
        if hosts is None:
            nodes.append(Node(f"node{i + 1}", directory / f"node{i + 1}",
                              gcache_size=gcache_size))
        else:
            nodes.append(Node(f"node{i + 1}", directory / f"node{i + 1}",
                              port=shared_port, host=hosts[i], gcache_size=gcache_size))
    cluster = Cluster(nodes, Arbitrator(directory) if arbitrator else None)
    peers = [n.gcomm for n in nodes]
    try:
        nodes[0].start(peers, bootstrap=True)
        for node in nodes[1:]:
            node.start(peers, bootstrap=False)   # SST from a synced node
        if cluster.arbitrator is not None:
            cluster.arbitrator.start(peers)
        wait_for("the cluster has every member", lambda: cluster.size(nodes[0]) ==
                 cluster.members, 60, lambda: nodes[0].log.read_text(errors="replace")[-4000:])
        yield cluster
    finally:
        if cluster.arbitrator is not None:
            cluster.arbitrator.stop()
        for node in reversed(nodes):
            node.kill()
