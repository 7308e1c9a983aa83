"""Two full PyRar nodes over a three-node Galera cluster (tests/scaleout/nodes.py: each PyRar
node a ``pyrar serve`` with its own PowerDNS on the replicated database, on a data node of
its own; the third data node carries no PyRar) behind HAProxy (tests/scaleout/haproxy.py):

- a change made through node 1 is served by both nodes' PowerDNS, with the same SOA serial
  (one publisher writes once; Galera carries the rows);
- the publisher's ``zone serve`` frozen past its lease under EPP load through HAProxy: the
  other node takes over and publishes, the thawed one stops, and every acknowledged name is
  delegated by every node's PowerDNS;
- the site, RDAP and WHOIS answer through HAProxy from both nodes, and keep answering from
  the survivor once a node died;
- registrars working through HAProxy while the node one of them is on dies (kill -9 of its
  every process: PyRar, PowerDNS and its MariaDB) reconnect through HAProxy to the live
  node; every create they were told succeeded is there once, the books balance, and the
  names created after the death are published by the survivor's PowerDNS (the
  zone-publication lease failed over if the dead node held it);
- the living PyRar node's MariaDB left alone (the dead node's still down, the third data
  node killed too) is a minority (non-primary): its health endpoint answers 503 and HAProxy
  marks it down on every face, a create sent to it directly is answered 2400 and is not
  written; the two started again (their positions recovered first, as Debian's
  ``galera_recovery`` does), the cluster is primary again by itself, they catch up by IST,
  never a full copy, every node holds the same names, HAProxy has the node up again and
  the create through it succeeds.

``make galera`` runs this module (``.ci/run`` too); ``make test`` leaves it out."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
import urllib.request
from collections.abc import Iterator

import dns.rdatatype
import pytest
from sqlalchemy import create_engine, func, select

from registry.models import Domain, Lease
from tests.faults.fault_load import AUTH, Load, check_books, delegated
from tests.scaleout.galera import Node
from tests.scaleout.nodes import FACES, PyrarNode, Stack, kill_node, pyrar_cluster
from tests.serve_stack import Served
from tests.waiting import wait_for
from tests.zonegen.zonegen_helpers import need_pdns

pytestmark = [pytest.mark.galera, pytest.mark.slow, pytest.mark.pdns]

NODES = 2        # PyRar nodes, each on a Galera data node of its own
DATA_NODES = 3   # a third data node instead of an arbitrator: the three-node cluster
CLIDS = ["registrar1", "registrar2"]
DEADLINE = 120.0  # a loaded machine: a deadline, not a figure (the figures are printed)
AFTER_DEATH = 3   # creates each client gets acknowledged after the node died
CONVERGED = f"converge-{os.getpid()}.example"   # made by the first test


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    need_pdns()
    with pyrar_cluster(tmp_path_factory.mktemp("nodes"), NODES, len(CLIDS),
                       data_nodes=DATA_NODES) as stack:
        yield stack


def answer(served: Served, zone: str, rdtype: str) -> frozenset[str]:
    """The zone's records of this type as the node's PowerDNS serves them (empty: none)."""
    reply = served.dns(zone, rdtype)
    if reply is None:
        return frozenset()
    return frozenset(r.to_text() for rrset in reply.answer
                     if rrset.rdtype == dns.rdatatype.from_text(rdtype) for r in rrset)


def alike(stack: Stack, zone: str, rdtype: str) -> bool:
    """Every node serves the same non-empty set of these records."""
    served = {answer(s, zone, rdtype) for s in stack.served}
    return len(served) == 1 and frozenset() not in served


def test_a_change_through_node_1_is_served_by_every_nodes_powerdns(stack):
    name, host = CONVERGED, "ns1.converge.example.net"
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
    # one serial, the same keys: the publisher wrote them once, Galera carried them
    for rdtype in ("SOA", "DNSKEY"):
        wait_for(f"every node serves the TLD's {rdtype} alike",
                 lambda t=rdtype: alike(stack, "example.", t), DEADLINE,
                 lambda t=rdtype: repr([answer(s, "example.", t) for s in stack.served]))


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def whois(port: int, query: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(query.encode() + b"\r\n")
        chunks = []
        while chunk := s.recv(65536):   # the server closes after its answer
            chunks.append(chunk)
    return b"".join(chunks).decode()


def faces_answer(stack: Stack, name: str) -> bool:
    """The site's home page, RDAP's and WHOIS's record of ``name``, through HAProxy."""
    ports = stack.haproxy.ports
    site = get(f"http://127.0.0.1:{ports['web']}/")
    rdap = get(f"http://127.0.0.1:{ports['rdap']}/domain/{name}")
    found = whois(ports["whois"], name)
    return (site[0] == 200 and rdap[0] == 200 and json.loads(rdap[1])["ldhName"] == name
            and f"domain name: {name}" in found.lower())


def served_by(stack: Stack, face: str) -> dict[str, int]:
    """How many connections HAProxy has sent each node for this face."""
    return {name: int(row["stot"] or 0) for name, row in stack.haproxy.servers(face).items()}


def test_the_site_rdap_and_whois_answer_through_haproxy_from_every_node(stack):
    before = {face: served_by(stack, face) for face in FACES[1:]}
    for _ in range(len(stack.nodes)):   # in turn: each node answers once
        assert faces_answer(stack, CONVERGED)
    for face in FACES[1:]:
        after = served_by(stack, face)
        assert all(after[n.name] > before[face][n.name] for n in stack.nodes), (face, after)


def zone_leader(stack: Stack) -> str:
    engine = create_engine(stack.cluster.nodes[0].url("pyrar", sync_wait=True))
    try:
        with engine.connect() as conn:
            return conn.execute(select(Lease.holder).where(
                Lease.name == "zone-publication")).scalar_one()
    finally:
        engine.dispose()


def test_a_frozen_zone_publisher_is_taken_over_and_dns_converges(stack):
    """The publisher's ``zone serve`` frozen (SIGSTOP: GC, swap) past its lease while the
    registrars create through HAProxy: the other node takes the zone-publication lease and
    publishes; thawed, the frozen one stops (its lease is gone; its writes, the registry's
    and PowerDNS's, fenced) and ``pyrar serve`` starts it again as a standby; every
    acknowledged name is delegated by every node's PowerDNS."""
    leader = zone_leader(stack)
    at = next(i for i, n in enumerate(stack.nodes) if n.name == leader)
    publisher = next(p for p in stack.served[at].tree() if " zone serve" in p.cmdline)
    with Load(stack.through_haproxy(), CLIDS) as load:
        wait_for("the clients got going", lambda: load.acknowledged() >= len(CLIDS), DEADLINE)
        os.kill(publisher.pid, signal.SIGSTOP)
        frozen = time.monotonic()
        try:
            wait_for("another node took the zone publication",
                     lambda: zone_leader(stack) != leader, DEADLINE)
            took = time.monotonic() - frozen
            since = load.acknowledged()
            wait_for("creates acknowledged after the takeover",
                     lambda: load.acknowledged() >= since + len(CLIDS), DEADLINE)
        finally:
            os.kill(publisher.pid, signal.SIGCONT)
        wait_for("the thawed publisher stopped", lambda: not publisher.alive(), DEADLINE,
                 stack.served[at].log)
    hosts = {c.clid: c.host for c in load.clients}
    created = {t.name: hosts[t.clid] for t in load.told() if t.op == "create" and
               t.acknowledged}
    for served in stack.served:
        wait_for(f"every acknowledged name delegated by {served.directory.name}'s PowerDNS",
                 lambda s=served: all(delegated(s, n, h) for n, h in created.items()),
                 DEADLINE, served.log)
    assert zone_leader(stack) != leader
    print(f"\nzone serve frozen on {leader}: the lease taken over {took:.1f} s after the "
          f"freeze; {len(created)} names, each delegated by every node's PowerDNS")


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
        kill_node(stack.served[victim], stack.nodes[victim])
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
    assert interrupted, "the dead node's client never lost its session"
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


def test_the_site_rdap_and_whois_keep_answering_through_haproxy_after_a_node_died(stack):
    dead = [n for n, s in zip(stack.nodes, stack.served, strict=True)
            if s.process.poll() is not None]
    assert dead, "the test above killed a node"
    wait_for("HAProxy has the dead node down on every face", lambda: not any(
        stack.haproxy.up(n.name, face) for n in dead for face in FACES), DEADLINE)
    for _ in range(len(stack.nodes)):   # in turn: the dead node's turns go to the survivor
        assert faces_answer(stack, CONVERGED)


def domains(node: Node, name: str | None = None) -> int:
    """How many domains (of this name) the node's database holds, read after the cluster's
    writes."""
    engine = create_engine(node.url("pyrar", sync_wait=True))
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(Domain)
            if name is not None:
                query = query.where(Domain.name == name)
            return conn.execute(query).scalar()
    finally:
        engine.dispose()


def health(node: PyrarNode) -> tuple[int, str]:
    """The node's health endpoint, asked directly (as HAProxy asks it)."""
    return get(f"http://{node.address}:{node.ports['health']}/")


def marked_down_as_unhealthy(stack: Stack, node: PyrarNode) -> bool:
    """HAProxy has the node down on every face, its last check answered 503."""
    rows = [stack.haproxy.servers(face)[node.name] for face in FACES]
    return all(r["status"] == "DOWN" and r["check_code"] == "503" for r in rows)


def test_a_node_alone_refuses_creates_and_the_killed_nodes_rejoin_by_themselves(stack):
    """The living PyRar node's data node left alone (the node killed above still down, the
    third killed now) is a minority of the three (non-primary): its health endpoint answers
    503 and why, HAProxy marks it down on every face, and a create sent to it directly is
    answered 2400 "cannot be reached" and is not written. The two killed nodes started
    again, the cluster is primary again by itself (a killed node restores its view of the
    last primary component and waits for its members), they catch up by IST and never by a
    full copy, every node holds the same names, HAProxy has the node up again, and the
    create through it succeeds."""
    index = next(i for i, s in enumerate(stack.served) if s.process.poll() is None)
    living = stack.nodes[index]
    alone = living.database
    others = [n for n in stack.cluster.nodes if n is not alone]
    name, host = f"minority-{os.getpid()}.example", "ns1.minority.example.net"
    assert health(living) == (200, "database reachable; Galera node Synced in the Primary "
                                   "component\n")
    # logged in while it can read, on the node itself: HAProxy will close its sessions
    epp = stack.served[index].epp("registrar1")
    try:
        for node in others:
            node.kill()
        wait_for("the node alone is non-primary", lambda: alone.status(
            "wsrep_cluster_status") not in (None, "Primary"), DEADLINE,
            lambda: alone.log.read_text(errors="replace")[-4000:])
        code, why = health(living)
        assert code == 503 and "outside the primary component" in why, (code, why)
        wait_for("HAProxy marks the non-primary node down on every face",
                 lambda: marked_down_as_unhealthy(stack, living), DEADLINE,
                 lambda: stack.haproxy.log.read_text(errors="replace")[-4000:])
        refused = epp.domain.create(name, years=1, nameservers=[], auth_info=AUTH)
        assert refused.code() == 2400 and "cannot be reached" in refused.message(), (
            refused.code(), refused.message())
    finally:
        epp.disconnect()
    logged = {node.name: node.log.stat().st_size for node in others}

    def since_restart(node) -> str:
        with node.log.open("rb") as log:
            log.seek(logged[node.name])
            return log.read().decode(errors="replace")
    for node in others:
        node.start([n.gcomm for n in stack.cluster.nodes], bootstrap=False, wait=False)
    for node in others:
        node.wait_synced()
    assert stack.cluster.primary(alone)
    assert stack.cluster.size(alone) == stack.cluster.members == DATA_NODES
    assert domains(alone, name) == 0
    counts = [domains(node) for node in stack.cluster.nodes]
    assert len(set(counts)) == 1 and counts[0] > 0, counts
    # Caught up incrementally (the IST ends a little after SYNCED), never by a full copy
    # (mariadb-backup preparing a backup): the node killed first missed writes, the other none.
    wait_for("a killed node caught up by IST", lambda: any(
        "IST received" in since_restart(node) for node in others), 60,
        log=lambda: "\n".join(line for node in others for line in since_restart(node)
                              .splitlines() if "WSREP" in line)[-4000:])
    for node in others:
        assert "Preparing the backup" not in since_restart(node), f"{node.name}: a full SST"
    wait_for("HAProxy has the node up again on every face", lambda: all(
        stack.haproxy.up(living.name, face) for face in FACES), DEADLINE)

    def created() -> bool:
        client = stack.through_haproxy().epp("registrar1")
        try:
            client.host.create(host, [])
            return client.domain.create(name, years=1, nameservers=[host],
                                        auth_info=AUTH).code() == 1000
        finally:
            client.disconnect()
    wait_for(f"{name} created once the cluster is primary again", created, DEADLINE)
