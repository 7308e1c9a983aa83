"""Full sync of a signed TLD (NSEC3 opt-out) into PowerDNS: time and peak memory.

    .venv/bin/python bench/zone_sync.py [--sizes 100000,1000000] [--verify] [--load-only]
        [--keep DIR]

Each size gets a fresh managed PowerDNS (gsqlite3) in a temporary directory. Every phase runs
in a child process, so its peak RSS is the phase's own: the initial sync (empty -> N), a no-op
re-sync, and a re-sync after 1% of the delegations changed. Delegations are streamed from a
generator (2 NS with in-domain glue A, 1/4 also AAAA, 1/2 with a DS), as the core would.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from zonegen.config import PowerDnsSettings
from zonegen.model import Delegation, ZoneSpec
from zonegen.pdnsdb import PdnsDb
from zonegen.server import ManagedPowerDns
from zonegen.sync import ZoneSync
from zonegen.zones import ensure_zone, parent_records

ZONE = "bench."


def spec() -> ZoneSpec:
    return ZoneSpec(ZONE, ("ns1.nic.bench.", "ns2.nic.bench."),
                    {"ns1.nic.bench.": ["127.0.0.1"], "ns2.nic.bench.": ["127.0.0.2"]})


def delegation(i: int, variant: int = 0, prefix: str = "d") -> Delegation:
    """Delegation number ``i``; another ``variant`` changes its glue and DS."""
    name = f"{prefix}{i}.{ZONE}"
    v4 = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{(i + variant) & 255}"
    glue = {f"ns1.{name}": [v4] + ([f"2001:db8::{i & 0xffff:x}"] if i % 4 == 0 else []),
            f"ns2.{name}": [v4]}
    ds = ()
    if (i + variant) % 2 == 0:
        digest = hashlib.sha256(f"{name}{variant}".encode()).hexdigest()
        ds = (f"{i % 65536} 13 2 {digest}",)
    return Delegation(name, (f"ns1.{name}", f"ns2.{name}"), glue, ds)


def delegations(n: int, changed_every: int = 0) -> Iterator[Delegation]:
    for i in range(n):
        yield delegation(i, 1 if changed_every and i % changed_every == 0 else 0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settings_for(data_dir: Path, port: int, web_port: int) -> PowerDnsSettings:
    return PowerDnsSettings(data_dir=str(data_dir), port=port, webserver_port=web_port)


def child(args: argparse.Namespace) -> None:
    """One sync phase; prints a JSON line with its figures."""
    settings = settings_for(Path(args.data_dir), args.port, args.web_port)
    api = ManagedPowerDns(settings).api()
    db = PdnsDb.open(settings)
    started = time.monotonic()
    found = []
    # --compare: what 'zone verify' does first, every row against the registry's, each
    # difference streamed out (counted here), nothing written
    result = ZoneSync(db, api.flush_cache).sync(
        spec(), delegations(args.size, args.changed), dry_run=args.compare,
        differences=(lambda d: found.append(d.kind)) if args.compare else None)
    print(json.dumps({
        "delegations": result.delegations, "rows": result.desired_rows,
        **({"differences": len(found)} if args.compare else {}),
        "inserted": result.inserted, "deleted": result.deleted,
        "seconds": round(time.monotonic() - started, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


def run_phase(data_dir: Path, port: int, web_port: int, size: int, changed: int,
              compare: bool = False) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--data-dir", str(data_dir), "--port", str(port),
         "--web-port", str(web_port), "--size", str(size), "--changed", str(changed),
         *(["--compare"] if compare else [])],
        capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_size(size: int, workdir: Path, verify: bool, load_only: bool = False) -> dict:
    data_dir = workdir / f"pdns-{size}"
    port, web_port = free_port(), free_port()
    server = ManagedPowerDns(settings_for(data_dir, port, web_port))
    server.start()
    figures: dict = {"size": size}
    try:
        ensure_zone(server.api(), spec())
        figures["initial"] = run_phase(data_dir, port, web_port, size, 0)
        if not load_only:
            figures["noop"] = run_phase(data_dir, port, web_port, size, 0)
            figures["one_percent"] = run_phase(data_dir, port, web_port, size, 100)
            # the zone now holds the 1%-changed data: compared with the original it differs
            figures["compare"] = run_phase(data_dir, port, web_port, size, 0, compare=True)
        figures["db_mb"] = round(server.sqlite_file.stat().st_size / 2**20, 1)
        if verify:
            from zonegen.rectify import Denial
            from zonegen.verify import sample, verify_zone

            t = time.monotonic()
            report = verify_zone(ZONE, server="127.0.0.1", port=port, denial=Denial(),
                                 workdir=workdir / f"verify-{size}",
                                 samples=sample(delegations(size), 50),
                                 ksk_dnskeys=parent_records(server.api(), ZONE).dnskey)
            figures["verify"] = {"ok": report.ok, "seconds": round(time.monotonic() - t, 1),
                                 "records": report.records, "faults": report.faults[:5]}
    finally:
        server.stop()
    return figures


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="100000,1000000")
    p.add_argument("--verify", action="store_true", help="also AXFR + verify the zone")
    p.add_argument("--keep", metavar="DIR", help="work here and keep the files")
    p.add_argument("--load-only", action="store_true",
                   help="only the first load (then --verify): no re-sync phases")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--data-dir", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--web-port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--size", type=int, help=argparse.SUPPRESS)
    p.add_argument("--changed", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--compare", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="pyrar-zone-sync-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            figures = bench_size(size, workdir, args.verify, args.load_only)
            print(json.dumps(figures), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
