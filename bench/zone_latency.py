"""Publication latency: from the core's commit to the signed answer, live, in a 100k TLD.

    .venv/bin/python bench/zone_latency.py [--size 100000] [--changes 300] [--poll 0.1]

A fresh managed PowerDNS (gsqlite3, default caches) holds a signed NSEC3 opt-out TLD with
``--size`` delegations. A stand-in core (zonegen.reference_state: data + outbox row in one
transaction) commits changes one at a time; an outbox drainer runs in its own process, polling
every ``--poll`` seconds. For each change the clock starts when the core's commit returns (when
EPP would answer 1000) and stops when a ``+dnssec +norec`` query gets the new referral with
valid signatures (DS signed, or the opt-out NSEC3 proof; NS and glue unsigned), or the signed
NXDOMAIN for a deletion. A burst of changes committed back to back is measured too.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from zone_sync import ZONE, delegation, free_port, settings_for, spec

from zonegen.drainer import OutboxDrainer
from zonegen.model import Delegation
from zonegen.pdnsdb import PdnsDb
from zonegen.probe import DnsProbe, wait_published
from zonegen.reference_state import ReferenceState
from zonegen.server import ManagedPowerDns


def drainer_child(args: argparse.Namespace) -> None:
    settings = settings_for(Path(args.data_dir), args.port, args.web_port)
    state = ReferenceState(args.state)
    drainer = OutboxDrainer(state, state, lambda: PdnsDb.open(settings),
                            ManagedPowerDns(settings).api(), poll_interval=args.poll)
    print("ready", flush=True)
    drainer.run(threading.Event())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict:
    ms = [v * 1000 for v in values]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 1),
            "p90_ms": round(percentile(ms, 90), 1), "p99_ms": round(percentile(ms, 99), 1),
            "max_ms": round(max(ms), 1), "mean_ms": round(statistics.fmean(ms), 1)}


def make_change(k: int, size: int, rnd: random.Random) -> tuple[str, str, Delegation | None]:
    """A change of one of six kinds, on a new or an existing delegation."""
    kind = ("new-signed", "new-unsigned", "modify", "add-ds", "remove-ds", "delete")[k % 6]
    existing = rnd.randrange(size)
    if kind == "new-signed":
        return kind, f"n{k}.{ZONE}", delegation(k, 0, prefix="n")
    if kind == "new-unsigned":
        return kind, f"n{k}.{ZONE}", delegation(k, 1, prefix="n")
    name = f"d{existing}.{ZONE}"
    if kind == "modify":
        base = delegation(existing)
        return kind, name, Delegation(name, ("ns1.example.net.", "ns2.example.net."),
                                      ds=base.ds)
    if kind == "add-ds":            # odd numbers start without a DS
        existing |= 1
        return kind, f"d{existing}.{ZONE}", _with_ds(delegation(existing), True)
    if kind == "remove-ds":         # even numbers start with one
        existing &= ~1
        return kind, f"d{existing}.{ZONE}", _with_ds(delegation(existing), False)
    return kind, name, None


def _with_ds(d: Delegation, signed: bool) -> Delegation:
    ds = (f"4242 13 2 {'ab' * 32}",) if signed else ()
    return Delegation(d.name, d.nameservers, d.glue, ds)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=100000)
    p.add_argument("--changes", type=int, default=300)
    p.add_argument("--burst", type=int, default=50)
    p.add_argument("--poll", type=float, default=0.1, help="drainer poll interval (s)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--drainer", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--state", help=argparse.SUPPRESS)
    p.add_argument("--data-dir", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--web-port", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.drainer:
        drainer_child(args)
        return

    work = Path(tempfile.mkdtemp(prefix="pyrar-zone-latency-"))
    port, web_port = free_port(), free_port()
    data_dir = work / "pdns"
    server = ManagedPowerDns(settings_for(data_dir, port, web_port))
    server.start()
    state = ReferenceState(work / "core.sqlite3")
    drainer = None
    try:
        state.put_zone(spec())
        state.bulk_load(ZONE, (delegation(i) for i in range(args.size)))
        drainer = subprocess.Popen(
            [sys.executable, __file__, "--drainer", "--state", str(work / "core.sqlite3"),
             "--data-dir", str(data_dir), "--port", str(port), "--web-port", str(web_port),
             "--poll", str(args.poll)], stdout=subprocess.PIPE, text=True)
        assert drainer.stdout.readline().strip() == "ready"
        t = time.monotonic()
        while state.pending_count():       # the drainer's first pass: full sync of the TLD
            time.sleep(0.1)
        initial_sync = time.monotonic() - t

        probe = DnsProbe("127.0.0.1", port)
        keys = probe.dnskeys(ZONE)
        denial = PdnsDb.open(server.settings).domain(ZONE).denial
        rnd = random.Random(args.seed)
        by_kind: dict[str, list[float]] = {}
        latencies = []
        for k in range(args.changes):
            kind, name, wanted = make_change(k, args.size, rnd)
            if wanted is None:
                state.remove(ZONE, name)
            else:
                state.put(ZONE, wanted)
            took = wait_published(probe, ZONE, denial, name, wanted, keys, timeout=10,
                                  interval=0.002)
            latencies.append(took)
            by_kind.setdefault(kind, []).append(took)
            time.sleep(rnd.uniform(0, 0.05))

        burst = [make_change(args.changes + k, args.size, rnd) for k in range(args.burst)]
        burst = list({name: (kind, name, d) for kind, name, d in burst}.values())
        starts = []
        for _kind, name, wanted in burst:
            if wanted is None:
                state.remove(ZONE, name)
            else:
                state.put(ZONE, wanted)
            starts.append(time.monotonic())
        burst_lat = []
        for (_kind, name, wanted), started in zip(burst, starts, strict=True):
            wait_published(probe, ZONE, denial, name, wanted, keys, timeout=20, interval=0.002)
            burst_lat.append(time.monotonic() - started)

        print(json.dumps({
            "size": args.size, "poll_s": args.poll, "initial_sync_s": round(initial_sync, 1),
            "one_at_a_time": summary(latencies),
            "by_kind": {k: summary(v) for k, v in sorted(by_kind.items())},
            "burst": summary(burst_lat),
        }, indent=1))
    finally:
        if drainer is not None:
            drainer.terminate()
            drainer.wait(10)
        state.close()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
