"""Scale-out: EPP checks and creates per second through one, two and three PyRar nodes over
one Galera cluster, in the same run, and how long the zone publisher's failover takes.

    .venv/bin/python bench/scaleout.py [--sessions 12] [--duration 10] [--rounds 2]

The cluster as the tests build it (tests/scaleout/nodes.py: three Galera data nodes on
loopback; each under a ``pyrar serve`` with its own PowerDNS on the replicated database;
HAProxy in front, checking each node's health endpoint), with the production lease settings
(``[cluster] lease_seconds`` 15, ``renew_seconds`` 5). ``bench/epp_load.py`` measures, round
after round, the same sessions spread over the registrars on node 1 only (``1-node``), over
nodes 1 and 2 (``2-nodes``) and over all three (``3-nodes``): registrar i on node i mod n.
The ratios to the same round's ``1-node`` are the figures: every target runs on the same
machine in the same minutes.

Then, once the load's changes are all published, the node holding the zone-publication
lease dies (kill -9 of its every process, its
MariaDB too) and the bench times, from the kill: HAProxy marking it down, the survivor
holding the lease, a create through HAProxy answered 1000, and that name served by the
survivor's PowerDNS. Everything listens on loopback; every process is stopped by PID.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from sqlalchemy import create_engine, func, select  # noqa: E402

from registry.models import Event, Lease  # noqa: E402
from tests.faults.fault_load import AUTH, delegated  # noqa: E402
from tests.scaleout.nodes import Stack, kill_node, pyrar_cluster  # noqa: E402
from tests.serve_stack import environment, pyrar  # noqa: E402

REGISTRARS = 6   # spread evenly over 1, 2 and 3 nodes
NODES = 3
FUNDS = "100000000.00"
PRODUCTION_LEASE = {"lease_seconds": 15.0, "renew_seconds": 5.0}


def credentials(stack: Stack, directory: Path, nodes: int) -> Path:
    """epp_load's registrar list: registrar i on node i mod ``nodes``."""
    rows = []
    for i, row in enumerate(json.loads((stack.nodes[0].directory / "credentials.json")
                                       .read_text())["registrars"]):
        node = stack.served[i % nodes]
        rows.append({**row, "host": node.credentials["host"], "port": node.epp_port})
    path = directory / f"{nodes}-nodes.json"
    path.write_text(json.dumps(rows))
    return path


def read(stack: Stack, node: int, query):
    engine = create_engine(stack.cluster.nodes[node].url("pyrar", sync_wait=True))
    try:
        with engine.connect() as conn:
            return conn.execute(query).scalar()
    finally:
        engine.dispose()


def holder(stack: Stack, node: int) -> str | None:
    return read(stack, node, select(Lease.holder).where(Lease.name == "zone-publication"))


def dns_backlog(stack: Stack) -> int:
    """Changes not yet published (the load's creates): the failover is timed without them."""
    return read(stack, 0, select(func.count()).select_from(Event).where(
        Event.consumer == "dns", Event.dead_at.is_(None)))


def until(check, timeout: float = 300.0) -> float:
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise SystemExit(f"not within {timeout} s")
        time.sleep(0.05)
    return time.monotonic()


def failover(stack: Stack) -> dict[str, float]:
    until(lambda: dns_backlog(stack) == 0, 900)
    leader = holder(stack, 0)
    victim = next(i for i, n in enumerate(stack.nodes) if n.name == leader)
    others = [i for i in range(len(stack.nodes)) if i != victim]
    survivors = {stack.nodes[i].name for i in others}
    other = others[0]   # whose database and PowerDNS the bench reads
    balanced = stack.through_haproxy()
    host = "ns1.failover.bench.net"
    epp = balanced.epp("registrar1")
    epp.host.create(host, [])
    epp.disconnect()
    name = f"failover-{int(time.time())}.example"
    died = time.monotonic()
    kill_node(stack.served[victim], stack.nodes[victim])

    def created() -> bool:
        try:
            client = balanced.epp("registrar1")
        except Exception:
            return False
        try:
            return client.domain.create(name, years=1, nameservers=[host],
                                        auth_info=AUTH).code() in (1000, 2302)
        except Exception:
            return False
        finally:
            client.disconnect()
    # each watched in a thread of its own: a create blocked while Galera evicts the dead
    # node must not delay seeing HAProxy mark it down
    seen: dict[str, float] = {}
    checks = {
        "haproxy_down_s": lambda: not stack.haproxy.up(stack.nodes[victim].name),
        "lease_taken_s": lambda: holder(stack, other) in survivors,
        "create_answered_s": created,
        "published_s": lambda: "create_answered_s" in seen and delegated(
            stack.served[other], name, host),
    }

    def watch(what: str) -> None:
        until(checks[what], 600)
        seen[what] = round(time.monotonic() - died, 2)
    threads = [threading.Thread(target=watch, args=(what,)) for what in checks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return dict(sorted(seen.items(), key=lambda item: item[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=12)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pyrar-scaleout-") as tmp:
        base = Path(tmp)
        started = time.monotonic()
        with pyrar_cluster(base, NODES, REGISTRARS, PRODUCTION_LEASE) as stack:
            print(f"cluster and nodes up in {time.monotonic() - started:.0f} s", flush=True)
            for i in range(1, REGISTRARS + 1):
                subprocess.run(pyrar("--config", str(stack.nodes[0].config), "registrar",
                                     "credit", f"registrar{i}", FUNDS), check=True,
                               capture_output=True, env=environment(), timeout=120)
            targets = [f"{n}-node{'s' if n > 1 else ''}={credentials(stack, base, n)}"
                       for n in range(1, NODES + 1)]
            subprocess.run([sys.executable, str(HERE / "epp_load.py"),
                            *(a for t in targets for a in ("--target", t)),
                            "--mode", "check", "--mode", "create",
                            "--sessions", str(args.sessions), "--duration",
                            str(args.duration), "--rounds", str(args.rounds)], check=True)
            print(json.dumps({"failover": failover(stack)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
