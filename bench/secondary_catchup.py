"""How long a change takes to be visible on a secondary, for a TLD of N delegations.

    .venv/bin/python bench/secondary_catchup.py [--size 100000] [--mode axfr|replication|both]

axfr: a managed PowerDNS NOTIFYs a BIND 9 ([powerdns] secondaries) that follows the catalog
zone; PowerDNS serves no outgoing IXFR, so each serial change is a full AXFR of the zone.
replication: the scale path for PowerDNS secondaries. Two MariaDB servers of the bench's own
(a primary with a binary log, a replica of it), a PowerDNS (gmysql) on each: zonegen writes
into the primary's database, the secondary PowerDNS serves what replication brings (its
caches off, so an answer is at most as old as the replica).

Each round writes one new delegation (serial bumped at once: no coalescing) and times until
the secondary answers it; the median and the worst of the rounds are printed as JSON.
Everything listens on loopback; servers are stopped by PID.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dns.rdatatype
from zone_sync import ZONE, delegations, free_port, spec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.zonegen.named_consumer import NamedConsumer
from zonegen.catalog import ensure_catalog
from zonegen.config import PowerDnsSettings
from zonegen.model import Delegation
from zonegen.pdnsdb import PdnsDb
from zonegen.probe import DnsProbe, ProbeError
from zonegen.server import ManagedPowerDns
from zonegen.sync import ZoneSync
from zonegen.writer import ZoneWriter
from zonegen.zones import ensure_zone

CATALOG = "catalog.pyrar."
ROUNDS = 5


def wait(what: str, check, timeout: float = 900.0) -> float:
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise SystemExit(f"{what}: not within {timeout} s")
        time.sleep(0.02)
    return time.monotonic() - start


def delegated(probe: DnsProbe, name: str) -> bool:
    try:
        reply = probe.query(name, "NS", dnssec=False)
    except ProbeError:
        return False
    return any(r.rdtype == dns.rdatatype.NS and r.name.to_text() == name
               for r in reply.authority)


def rounds(primary: ManagedPowerDns, db: PdnsDb, secondary: DnsProbe) -> dict:
    writer = ZoneWriter(db, primary.api().flush_cache)
    times = []
    for i in range(ROUNDS):
        name = f"catchup{i}.{ZONE}"
        started = time.monotonic()
        writer.write_one(spec(), name, Delegation(name, ("ns1.example.net.",)))
        wait(f"{name} at the secondary", lambda n=name: delegated(secondary, n))
        times.append(time.monotonic() - started)
    return {"median_s": round(statistics.median(times), 2), "max_s": round(max(times), 2),
            "rounds": [round(t, 2) for t in times]}


def fill(settings: PowerDnsSettings, size: int) -> tuple[PdnsDb, float]:
    db = PdnsDb.open(settings)
    started = time.monotonic()
    ZoneSync(db).sync(spec(), delegations(size))
    return db, time.monotonic() - started


def bench_axfr(size: int, work: Path) -> dict:
    named_port = free_port()
    settings = PowerDnsSettings(data_dir=str(work / "pdns"), port=free_port(),
                                webserver_port=free_port(), xfr_cycle_interval=1,
                                catalog_zone=CATALOG, secondaries=(f"127.0.0.1:{named_port}",))
    primary = ManagedPowerDns(settings)
    primary.start()
    named = NamedConsumer(work / "named", named_port, settings.port, CATALOG)
    try:
        ensure_catalog(primary.api(), CATALOG)
        ensure_zone(primary.api(), spec(), CATALOG)
        db, filled = fill(settings, size)
        named.start()
        probe = DnsProbe("127.0.0.1", named_port, timeout=5)
        last = f"d{size - 1}.{ZONE}"
        first = wait("the first transfer", lambda: delegated(probe, last))
        return {"mode": "axfr", "size": size, "fill_s": round(filled, 1),
                "first_transfer_s": round(first, 1), **rounds(primary, db, probe)}
    finally:
        named.stop()
        primary.stop()


class Mariadb:
    """A MariaDB server of the bench's own, on loopback, stopped by PID."""

    def __init__(self, directory: Path, server_id: int) -> None:
        self.dir, self.server_id, self.port = directory, server_id, free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.dir.mkdir(parents=True)
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={self.dir}/data",
                        "--auth-root-authentication-method=normal", "--skip-test-db",
                        "--user=root"], check=True, capture_output=True)
        log = open(self.dir / "server.log", "ab")  # noqa: SIM115 - the server's own
        self.process = subprocess.Popen(
            ["/usr/sbin/mariadbd", "--no-defaults", f"--datadir={self.dir}/data",
             f"--port={self.port}", "--bind-address=127.0.0.1", f"--socket={self.dir}/sock",
             f"--pid-file={self.dir}/pid", "--user=root", f"--server-id={self.server_id}",
             "--log-bin=binlog", "--binlog-format=ROW", "--skip-name-resolve",
             "--innodb-buffer-pool-size=256M", "--innodb-flush-log-at-trx-commit=2"],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait("MariaDB answers", lambda: self.sql("SELECT 1", check=False) == 0, 60)

    def sql(self, statement: str, check: bool = True) -> int:
        return subprocess.run(["mariadb", "-h", "127.0.0.1", "-P", str(self.port), "-u", "root",
                               "-e", statement], check=check, capture_output=True).returncode

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(60)


def gmysql(work: Path, name: str, port: int, **kw) -> PowerDnsSettings:
    return PowerDnsSettings(data_dir=str(work / name), port=free_port(),
                            webserver_port=free_port(), backend="gmysql", mysql_port=port,
                            mysql_user="root", mysql_database="pdns", **kw)


def bench_replication(size: int, work: Path) -> dict:
    source, replica = Mariadb(work / "db-primary", 1), Mariadb(work / "db-replica", 2)
    servers: list[ManagedPowerDns] = []
    try:
        source.start()
        replica.start()
        replica.sql(f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={source.port}, "
                    "MASTER_USER='root', MASTER_USE_GTID=slave_pos; START SLAVE")
        source.sql("CREATE DATABASE pdns CHARACTER SET latin1")
        primary = ManagedPowerDns(gmysql(work, "pdns-primary", source.port))
        primary.start()
        servers.append(primary)
        ensure_zone(primary.api(), spec())
        db, filled = fill(primary.settings, size)
        # the secondary only reads what replication brings: no caches, so nothing older
        secondary = ManagedPowerDns(gmysql(work, "pdns-secondary", replica.port, cache_ttl=0,
                                           query_cache_ttl=0, negquery_cache_ttl=0))
        probe = DnsProbe("127.0.0.1", secondary.settings.port, timeout=5)
        last = f"d{size - 1}.{ZONE}"
        first = wait("the replica caught up", lambda: replica.sql(
            f"SELECT 1 FROM pdns.records WHERE name = '{last[:-1]}' LIMIT 1", check=False) == 0
            and _has_row(replica, last[:-1]))
        secondary.start()
        servers.append(secondary)
        wait("the secondary serves the zone", lambda: delegated(probe, last))
        return {"mode": "replication", "size": size, "fill_s": round(filled, 1),
                "replica_initial_s": round(first, 1), **rounds(primary, db, probe)}
    finally:
        for server in reversed(servers):
            server.stop()
        replica.stop()
        source.stop()


def _has_row(db: Mariadb, name: str) -> bool:
    out = subprocess.run(["mariadb", "-h", "127.0.0.1", "-P", str(db.port), "-u", "root", "-N",
                          "-e", f"SELECT count(*) FROM pdns.records WHERE name = '{name}'"],
                         capture_output=True, text=True)
    return out.returncode == 0 and out.stdout.strip() not in ("", "0")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=100000)
    p.add_argument("--mode", choices=("axfr", "replication", "both"), default="both")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pyrar-secondary-"))
    try:
        if args.mode in ("axfr", "both"):
            print(json.dumps(bench_axfr(args.size, work / "axfr")), flush=True)
        if args.mode in ("replication", "both"):
            print(json.dumps(bench_replication(args.size, work / "replication")), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
