"""Full PyRar nodes over a Galera cluster, as docs/scale-out.md lays them out: each node a
``pyrar serve`` of its own reaching its own Galera node (reads with wsrep_sync_wait=1), with
its own PowerDNS on the gmysql backend over the replicated ``pdns`` database (zonegen in
external mode, publishing through it when this node holds the zone-publication lease).

Each node is a machine of its own, played by a loopback address of its own (127.0.0.2,
127.0.0.3...): its MariaDB, its faces (eppd, the site, RDAP, WHOIS) and its health endpoint
(``pyrar health serve``, which HAProxy checks) listen there, each on the port every node
uses for it, as HAProxy expects. The sandbox (``pyrar init`` on node 1's database) is copied
for every node; each copy gets its own configuration and an EPP server certificate naming
its address."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from certs.authority import issue_server_cert
from certs.files import CertFiles
from registry.db import create_database_if_missing
from tests.scaleout.galera import Cluster, Node, free_port_on, galera_cluster
from tests.scaleout.haproxy import Backend, HaProxy
from tests.serve_stack import Served, environment, make_sandbox, pyrar, serving
from tests.waiting import wait_for
from tests.zonegen.zonegen_helpers import free_port
from zonegen.config import PowerDnsSettings
from zonegen.server import ManagedPowerDns

# a change reaches a PowerDNS that did not publish it after its caches expire: kept short in
# the tests (docs/scale-out.md: small caches on every node)
CACHE_SECONDS = 1
LEASE = {"lease_seconds": 3, "renew_seconds": 0.5}
DEADLINE = 120.0  # a loaded machine: a deadline, not a figure
FACES = ("epp", "web", "rdap", "whois")   # what HAProxy balances


def node_address(i: int) -> str:
    """Node i's (1-based) loopback address."""
    return f"127.0.0.{i + 1}"


@dataclass
class PyrarNode:
    """A node's sandbox copy and its PowerDNS (the machine's own daemon, not PyRar's)."""

    name: str
    directory: Path
    database: Node
    pdns: ManagedPowerDns
    ports: dict[str, int]   # each face's and "health"'s, on the node's address

    @property
    def config(self) -> Path:
        return self.directory / "pyrar.toml"

    @property
    def address(self) -> str:
        return self.database.host

    def backend(self) -> Backend:
        return Backend(self.name, self.address, {f: self.ports[f] for f in FACES},
                       self.ports["health"])


class NodePowerDns(ManagedPowerDns):
    """The configuration PyRar writes for its own server, plus what a PowerDNS serving
    zones that another node's PowerDNS creates and keys needs (docs/scale-out.md): PowerDNS
    learns zones from the database only every zone-cache-refresh-interval (300 s: another
    node's new zone is REFUSED until then) and caches keys and zone metadata."""

    def prepare(self) -> None:
        super().prepare()
        conf = self.data_dir / "pdns.conf"
        conf.write_text(conf.read_text() + "".join(
            f"{key}={CACHE_SECONDS}\n" for key in (
                "zone-cache-refresh-interval", "dnssec-key-cache-ttl",
                "zone-metadata-cache-ttl")))


def powerdns_for(directory: Path, database: Node) -> ManagedPowerDns:
    """A node's own pdns_server on the gmysql backend over its Galera node's ``pdns``
    database. PyRar's ManagedPowerDns writes its configuration and runs it (by PID); the
    node's zonegen reaches it in external mode, as it would a system PowerDNS."""
    settings = PowerDnsSettings(
        mode="managed", data_dir=str(directory / "pdns"), port=free_port(),
        webserver_port=free_port(), backend="gmysql", mysql_host=database.host,
        mysql_port=database.port, mysql_user="root", mysql_password="",
        mysql_database="pdns", cache_ttl=CACHE_SECONDS, query_cache_ttl=CACHE_SECONDS,
        negquery_cache_ttl=CACHE_SECONDS)
    return NodePowerDns(settings, directory)


def set_keys(text: str, section: str, values: dict[str, object]) -> str:
    """The TOML text with ``values`` set in ``[section]`` (replaced where present, else
    added; the section added at the end if missing). Values as TOML literals (json.dumps
    writes strings, numbers and lists TOML reads)."""
    lines = text.splitlines()
    header = f"[{section}]"
    if header not in lines:
        lines += ["", header]
    start = lines.index(header) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("[")), len(lines))
    todo = dict(values)
    for i in range(start, end):
        key = re.match(r"^(\w+)\s*=", lines[i])
        if key and key.group(1) in todo:
            lines[i] = f"{key.group(1)} = {json.dumps(todo.pop(key.group(1)))}"
    while end > start and not lines[end - 1].strip():
        end -= 1
    lines[end:end] = [f"{k} = {json.dumps(v)}" for k, v in todo.items()]
    return "\n".join(lines) + "\n"


def make_node(sandbox: Path, base: Path, i: int, database: Node, ports: dict[str, int],
              lease: dict[str, float]) -> PyrarNode:
    """Node i (1-based): a copy of the sandbox configured for its Galera node, address and
    PowerDNS; its faces and health endpoint on the node's address, at ``ports``."""
    name = f"node{i}"
    directory = base / name
    shutil.copytree(sandbox, directory)
    address = node_address(i)
    certs = directory / "certs"
    issue_server_cert(CertFiles(certs / "ca.pem", certs / "ca.key"), certs, [address])
    pdns = powerdns_for(directory, database)
    settings = pdns.settings
    site, rdap = f"http://{address}:{ports['web']}", f"http://{address}:{ports['rdap']}/"
    text = (directory / "pyrar.toml").read_text()
    for section, values in {
        "database": {"url": database.url("pyrar", sync_wait=True)},
        "eppd": {"host": address, "port": ports["epp"]},
        "registrar": {"host": address, "port": ports["web"], "site_url": site},
        "rdap": {"host": address, "port": ports["rdap"]},
        "whois": {"serve": True, "host": address, "port": ports["whois"], "rdap_url": rdap},
        "health": {"serve": True, "host": address, "port": ports["health"]},
        "powerdns": {"mode": "external", "api_url": settings.resolved_api_url(),
                     "api_key_file": str(pdns.data_dir / "api-key"), "backend": "gmysql",
                     "mysql_host": database.host, "mysql_port": database.port,
                     "mysql_user": "root", "mysql_password": "", "mysql_database": "pdns",
                     "port": settings.port, "webserver_port": settings.webserver_port,
                     "data_dir": str(pdns.data_dir)},
        "cluster": {"node_id": name, **lease},
    }.items():
        text = set_keys(text, section, values)
    (directory / "pyrar.toml").write_text(text)
    credentials = json.loads((directory / "credentials.json").read_text())
    for entry in (credentials, *credentials["registrars"]):
        entry.update(host=address, port=ports["epp"], ca=str(certs / "ca.pem"))
    credentials["rdap"]["url"] = rdap
    credentials["web"]["url"] = site
    for entry in credentials["registrars"]:
        entry.update(cert=str(certs / f"{entry['clid']}.pem"),
                     key=str(certs / f"{entry['clid']}.key"))
    (directory / "credentials.json").write_text(json.dumps(credentials, indent=2))
    return PyrarNode(name, directory, database, pdns, ports)



@dataclass
class Stack:
    cluster: Cluster
    nodes: list[PyrarNode]
    served: list[Served]
    haproxy: HaProxy

    def through_haproxy(self) -> Balanced:
        return Balanced(self.served[0], ("127.0.0.1", self.haproxy.port))


@dataclass
class Balanced:
    """What a load's clients need of a server (tests/faults/fault_load.py): a logged-in EPP
    client, here through HAProxy (which passes the nodes' certificate through)."""

    served: Served
    via: tuple[str, int]

    def epp(self, clid: str):
        return self.served.epp(clid, via=self.via)


@contextlib.contextmanager
def pyrar_cluster(base: Path, count: int, registrars: int, lease: dict[str, float] = LEASE,
                  data_nodes: int = 0) -> Iterator[Stack]:
    """``count`` PyRar nodes (``pyrar serve`` and a PowerDNS each) behind HAProxy, over as
    many Galera data nodes, or over ``data_nodes`` (more than ``count``) whose first
    ``count`` carry PyRar; an arbitrator when the data nodes are even (two nodes and garbd
    are three votes: one may die). Every process stopped by PID at the end."""
    data_nodes = max(data_nodes, count)
    hosts = [node_address(i) for i in range(1, data_nodes + 1)]
    with galera_cluster(base / "galera", data_nodes, hosts,
                        arbitrator=data_nodes % 2 == 0) as cluster, \
            contextlib.ExitStack() as stack:
        first = cluster.nodes[0]
        sandbox = make_sandbox(base, "--db", first.url("pyrar", sync_wait=True),
                               "--registrars", str(registrars))
        create_database_if_missing(first.url("pdns"))
        # WHOIS answers for the TLDs that have it
        subprocess.run(pyrar("--config", str(sandbox / "pyrar.toml"), "tld", "set", "example",
                             "whois_enabled=yes"), check=True, capture_output=True,
                       env=environment(), timeout=120)
        ports: dict[str, int] = {}
        for face in (*FACES, "health"):
            while (port := free_port_on(hosts)) in ports.values():
                pass
            ports[face] = port
        nodes = [make_node(sandbox, base, i + 1, db, ports, lease)
                 for i, db in enumerate(cluster.nodes[:count])]
        served: list[Served] = []
        for node in nodes:
            node.pdns.start()   # one at a time: the first creates PowerDNS's schema
            stack.callback(node.pdns.stop)
        for node in nodes:
            served.append(stack.enter_context(serving(node.directory, node.name)))
        # the machines go down at the end: a clean stop is tested elsewhere, and each
        # stack's would take a loaded machine most of a minute
        stack.callback(lambda: [kill_node(s, n) for s, n in zip(served, nodes, strict=True)])
        for s in served:
            s.wait_ready()
        haproxy = HaProxy(base, [n.backend() for n in nodes])
        haproxy.start()
        stack.callback(haproxy.stop)
        wait_for("HAProxy has every node up", lambda: all(
            haproxy.up(n.name, face) for n in nodes for face in FACES),
            DEADLINE, lambda: haproxy.log.read_text(errors="replace"))
        yield Stack(cluster, nodes, served, haproxy)


def kill_node(served: Served, node: PyrarNode) -> None:
    """The machine dies: every process of the node, SIGKILL by PID, the database too.
    ``serve`` is stopped first, so that it restarts nothing while its children die."""
    if served.process.poll() is None:
        served.process.send_signal(signal.SIGSTOP)
        for proc in served.tree():
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
        served.process.kill()
        served.process.wait(30)
    node.pdns.kill()
    node.database.kill()
