"""Two full PyRar nodes over a Galera cluster (tests/scaleout/nodes.py: two data nodes and an
arbitrator; each node a ``pyrar serve`` with its own PowerDNS on the replicated database)
behind HAProxy (tests/scaleout/haproxy.py):

- a change made through node 1 is served by both nodes' PowerDNS, with the same SOA serial
  (one publisher writes once; Galera carries the rows);
- registrars working through HAProxy while the node one of them is on dies (kill -9 of its
  every process: PyRar, PowerDNS and its MariaDB) reconnect through HAProxy to the live
  node; every create they were told succeeded is there once, the books balance, and the
  names created after the death are published by the survivor's PowerDNS (the
  zone-publication lease failed over if the dead node held it);
- the dead node's MariaDB, started again, rejoins by itself (IST from the survivor) and
  holds what was written while it was down.

``make galera`` runs this module (``.ci/run`` too); ``make test`` leaves it out."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass

import dns.rdatatype
import pytest
from sqlalchemy import create_engine, func, select

from registry.models import Domain, Lease
from tests.faults.fault_load import AUTH, Load, check_books, delegated
from tests.scaleout.galera import Cluster, galera_cluster
from tests.scaleout.haproxy import Backend, HaProxy
from tests.scaleout.nodes import (
    PyrarNode,
    make_node,
    node_address,
    prepare_pdns_database,
    shared_epp_port,
)
from tests.serve_stack import Served, make_sandbox, serving
from tests.waiting import wait_for
from tests.zonegen.zonegen_helpers import need_pdns

pytestmark = [pytest.mark.galera, pytest.mark.slow, pytest.mark.pdns]

NODES = 2
CLIDS = ["registrar1", "registrar2"]
DEADLINE = 120.0  # a loaded machine: a deadline, not a figure (the figures are printed)
AFTER_DEATH = 3   # creates each client gets acknowledged after the node died


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
    """What fault_load's clients need of a server: a logged-in EPP client, here through
    HAProxy (whose certificate is the nodes')."""

    served: Served
    via: tuple[str, int]

    def epp(self, clid: str):
        return self.served.epp(clid, via=self.via)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    need_pdns()
    base = tmp_path_factory.mktemp("nodes")
    hosts = [node_address(i) for i in range(1, NODES + 1)]
    with galera_cluster(base / "galera", NODES, hosts) as cluster, \
            contextlib.ExitStack() as stack:
        first = cluster.nodes[0]
        sandbox = make_sandbox(base, "--db", first.url("pyrar", sync_wait=True),
                               "--registrars", str(len(CLIDS)))
        prepare_pdns_database(first)
        epp_port = shared_epp_port(NODES)
        nodes = [make_node(sandbox, base, i + 1, db, epp_port)
                 for i, db in enumerate(cluster.nodes)]
        served = []
        for node in nodes:
            node.pdns.start()   # one at a time: the first creates PowerDNS's schema
            stack.callback(node.pdns.stop)
        for node in nodes:
            served.append(stack.enter_context(serving(node.directory, node.name)))
        for s in served:
            s.wait_ready()
        haproxy = HaProxy(base, [Backend(n.name, n.database.host, epp_port, n.database.port)
                                 for n in nodes])
        haproxy.start()
        stack.callback(haproxy.stop)
        wait_for("HAProxy has every node up", lambda: all(haproxy.up(n.name) for n in nodes),
                 DEADLINE, lambda: haproxy.log.read_text(errors="replace"))
        yield Stack(cluster, nodes, served, haproxy)


def soa_serial(served: Served, zone: str) -> int | None:
    reply = served.dns(zone, "SOA")
    if reply is None:
        return None
    soa = [r for r in reply.answer if r.rdtype == dns.rdatatype.SOA]
    return soa[0][0].serial if soa else None


def test_a_change_through_node_1_is_served_by_every_nodes_powerdns(stack):
    name, host = f"converge-{os.getpid()}.example", "ns1.converge.example.net"
    epp = stack.served[0].epp("registrar1")
    try:
        epp.host.create(host, [])
        assert epp.domain.create(name, years=1, nameservers=[host],
                                 auth_info=AUTH).code() == 1000
    finally:
        epp.disconnect()
    for served in stack.served:
        wait_for(f"{name} delegated by {served.directory.name}'s PowerDNS",
                 lambda s=served: delegated(s, name, host), DEADLINE, served.log)
    wait_for("both nodes serve one SOA serial", lambda: len(
        {soa_serial(s, "example.") for s in stack.served} - {None}) == 1 and all(
        soa_serial(s, "example.") for s in stack.served), DEADLINE)


def zone_leader(stack: Stack) -> str:
    engine = create_engine(stack.cluster.nodes[0].url("pyrar", sync_wait=True))
    try:
        with engine.connect() as conn:
            return conn.execute(select(Lease.holder).where(
                Lease.name == "zone-publication")).scalar_one()
    finally:
        engine.dispose()


def kill_node(stack: Stack, index: int) -> None:
    """The machine dies: every process of the node, SIGKILL by PID, the database too."""
    served, node = stack.served[index], stack.nodes[index]
    for proc in served.tree():
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(served.process.pid, signal.SIGKILL)
    node.pdns.kill()
    node.database.kill()


def test_clients_of_a_killed_node_reconnect_through_haproxy_and_nothing_is_lost(stack):
    balanced = stack.through_haproxy()
    leader = zone_leader(stack)
    with Load(balanced, CLIDS) as load:
        wait_for("both clients got going through HAProxy", lambda: all(
            any(t.acknowledged for t in c.told) for c in load.clients), DEADLINE)
        sessions = {n.name: stack.haproxy.sessions(n.name) for n in stack.nodes}
        # leastconn spread the two sessions; the zone publisher's node dies, so that the
        # lease's failover is part of what the survivors' clients wait for
        victim = next(i for i, n in enumerate(stack.nodes) if n.name == leader)
        assert sessions[leader] >= 1, sessions
        before = {c.clid: len(c.told) for c in load.clients}
        died = time.monotonic()
        kill_node(stack, victim)
        survivor = stack.nodes[1 - victim]
        wait_for("HAProxy marks the dead node down", lambda: not stack.haproxy.up(
            stack.nodes[victim].name), DEADLINE)
        down = time.monotonic() - died

        def acknowledged_since(client) -> int:
            return sum(t.acknowledged for t in client.told[before[client.clid]:])
        wait_for("every client acknowledged again", lambda: all(
            acknowledged_since(c) >= 1 for c in load.clients), DEADLINE,
            lambda: stack.served[1 - victim].log())
        first_ack = time.monotonic() - died
        wait_for(f"every client acknowledged {AFTER_DEATH} creates after the death",
                 lambda: all(acknowledged_since(c) >= AFTER_DEATH for c in load.clients),
                 DEADLINE)
    told = load.told()
    hosts = {c.clid: c.host for c in load.clients}
    interrupted = [t for t in told if t.code is None]
    engine = create_engine(survivor.database.url("pyrar", sync_wait=True))
    try:
        domains = check_books(engine, told)
    finally:
        engine.dispose()
    assert stack.haproxy.up(survivor.name)
    last = [t for t in told if t.op == "create" and t.acknowledged][-1]
    published = time.monotonic()
    alive = stack.served[1 - victim]
    wait_for(f"{last.name} published by the survivor's PowerDNS", lambda: delegated(
        alive, last.name, hosts[last.clid]), DEADLINE, alive.log)
    print(f"\nnode {leader} killed: HAProxy marked it down after {down:.1f} s; every client "
          f"acknowledged again after {first_ack:.1f} s; {len(domains)} names, "
          f"{len(interrupted)} commands without answer; the last name published "
          f"{time.monotonic() - published:.1f} s after the check")


def test_the_killed_database_node_rejoins_by_itself(stack):
    dead = next(n for n in stack.cluster.nodes if n.process is None)
    live = next(n for n in stack.cluster.nodes if n.process is not None)
    dead.start([n.gcomm for n in stack.cluster.nodes], bootstrap=False)  # waits for Synced
    assert stack.cluster.size(live) == NODES + 1
    counts = []
    for node in (live, dead):
        engine = create_engine(node.url("pyrar", sync_wait=True))
        try:
            with engine.connect() as conn:
                counts.append(conn.execute(select(func.count()).select_from(Domain)).scalar())
        finally:
            engine.dispose()
    assert counts[0] == counts[1] > 0, counts
    log = dead.log.read_text(errors="replace")
    assert "IST received" in log or "SST" in log, log[-3000:]

