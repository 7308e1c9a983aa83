"""A process that does singleton work under a lease, for the scale-out tests: it waits for
the lease ``work`` (printing "standing by"), then, printing "leading EPOCH", inserts a row
into ``lease_work`` (node, epoch) in a fenced transaction again and again until one is
refused (printing "fenced", exit 3) or SIGTERM (release, exit 0).

    python lease_worker.py DATABASE_URL NODE_ID LEASE_SECONDS RENEW_SECONDS
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time

from sqlalchemy import text

from registry.config import ClusterSettings
from registry.db import Database, make_engine
from registry.leases import Leadership, LeaseLost
from registry.service import Registry

FENCED = 3
PACE_SECONDS = 0.02  # between two rows of work: the work's own rhythm, not a test's wait


def main(url: str, node: str, lease_seconds: float, renew_seconds: float) -> int:
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
    epoch = leader.held.epoch
    print(f"leading {epoch}", flush=True)
    insert = text("INSERT INTO lease_work (node, epoch) VALUES (:node, :epoch)")
    while not stop.is_set():
        try:
            fenced.run(lambda ctx: ctx.session.execute(insert, {"node": node, "epoch": epoch}))
        except LeaseLost:
            print("fenced", flush=True)
            return FENCED
        time.sleep(PACE_SECONDS)
    leader.release()
    registry.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])))
