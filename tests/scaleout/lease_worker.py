"""A process that does singleton work under a lease, for the scale-out tests: it waits for
the lease ``work`` (printing "standing by"), then, printing "leading EPOCH", inserts a row
into ``lease_work`` (node, epoch) in a fenced transaction again and again until one is
refused (printing "fenced", exit 3) or SIGTERM (release, exit 0).

With PDNS_DATABASE (PowerDNS's schema, on the same server as the registry's), each round
then writes a row into its ``records`` too, as the zone publisher does (zonegen.lease_fence
fencing that transaction by the lease): read the registry, then write PowerDNS's rows. The
worker stops itself (SIGSTOP) between the two once the file FREEZE_FILE exists, if given:
the moment a deposed publisher's stale write would follow; the test thaws it (SIGCONT).

    python lease_worker.py DATABASE_URL NODE_ID LEASE_SECONDS RENEW_SECONDS \
        [PDNS_DATABASE [FREEZE_FILE]]
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time

import pymysql
from sqlalchemy import text
from sqlalchemy.engine import make_url

from registry.config import ClusterSettings
from registry.db import Database, make_engine
from registry.errors import CommandTimedOut
from registry.leases import Leadership, LeaseLost
from registry.service import Registry
from zonegen.config import PowerDnsSettings
from zonegen.lease_fence import lease_fence
from zonegen.pdnsdb import PdnsDb

FENCED = 3
PACE_SECONDS = 0.02  # between two rows of work: the work's own rhythm, not a test's wait


class PdnsWrites:
    """Rows into PowerDNS's ``records``, fenced by the lease; a connection the server ended
    (a transaction left idle past the fence's timeout by a freeze) is opened again."""

    def __init__(self, url: str, database: str, leader: Leadership, schema: str) -> None:
        server = make_url(url)
        self.settings = PowerDnsSettings(backend="gmysql", mysql_host=server.host,
                                         mysql_port=server.port or 3306,
                                         mysql_user=server.username or "root",
                                         mysql_password=server.password or "",
                                         mysql_database=database)
        fence = lease_fence(self.settings, leader, schema)
        assert fence is not None, "PowerDNS's database does not see the leases"
        self.fence = fence
        self.db: PdnsDb | None = None

    def write(self, node: str, epoch: int) -> None:
        for attempt in range(2):
            if self.db is None:
                self.db = self.fence.attach(PdnsDb.open(self.settings))
            try:
                with self.db.transaction():
                    self.db.execute("INSERT INTO records (domain_id, name, type, content, ttl, "
                                    "disabled, auth) VALUES (1, ?, 'TXT', ?, 60, 0, 1)",
                                    (f"{node}.work.example", f"{node} {epoch}"))
                return
            except pymysql.MySQLError as e:  # ended by the server, or lost certification
                print(f"pdns write failed ({e}); again", flush=True)
                self.db.close()
                self.db = None
                if attempt:
                    raise


def main(url: str, node: str, lease_seconds: float, renew_seconds: float,
         pdns_database: str | None = None, freeze_file: str | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format=f"{node} %(levelname)s: %(message)s")
    registry = Registry(Database(make_engine(url, command_seconds=5), command_seconds=5,
                                 settle_seconds=5))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    settings = ClusterSettings(node_id=node, lease_seconds=lease_seconds,
                               renew_seconds=renew_seconds)
    # a lost lease does not stop the loop here: the next write must be refused by fencing
    leader = Leadership(registry, "work", settings, on_lost=lambda: None)
    fenced = leader.acquire(stop, lambda _state: print("standing by", flush=True))
    if fenced is None:
        return 0
    pdns = (PdnsWrites(url, pdns_database, leader, registry.db.schema)
            if pdns_database else None)
    epoch = leader.held.epoch
    print(f"leading {epoch}", flush=True)
    insert = text("INSERT INTO lease_work (node, epoch) VALUES (:node, :epoch)")
    while not stop.is_set():
        try:
            fenced.run(lambda ctx: ctx.session.execute(insert, {"node": node, "epoch": epoch}))
        except LeaseLost:
            print("fenced", flush=True)
            return FENCED
        except CommandTimedOut:
            # frozen inside the transaction past its budget: nothing committed, and the
            # next attempt, as any singleton's retry, meets the fence
            print("timed out, nothing committed", flush=True)
            continue
        time.sleep(PACE_SECONDS)
        if freeze_file and os.path.exists(freeze_file):
            freeze_file = None
            print("freezing between the registry and PowerDNS", flush=True)
            os.kill(os.getpid(), signal.SIGSTOP)
        if pdns is not None:
            known = leader.lost.is_set()  # its renewal may have found the lease gone first
            try:
                pdns.write(node, epoch)
            except LeaseLost:
                print("fenced in PowerDNS's transaction "
                      f"({'lease known lost' if known else 'refused by the database'})",
                      flush=True)
                return FENCED
    leader.release()
    registry.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]),
                  *sys.argv[5:7]))
