"""Run an outbox drainer in its own process, so a test can SIGKILL it mid-stream.

Usage: python drainer_process.py STATE_DB DATA_DIR DNS_PORT WEB_PORT BATCH
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from zonegen.config import PowerDnsSettings
from zonegen.drainer import OutboxDrainer
from zonegen.pdnsdb import PdnsDb
from zonegen.reference_state import ReferenceState
from zonegen.server import ManagedPowerDns


def main() -> None:
    state_db, data_dir, dns_port, web_port, batch = sys.argv[1:6]
    logging.basicConfig(level=logging.WARNING)
    settings = PowerDnsSettings(data_dir=data_dir, port=int(dns_port),
                                webserver_port=int(web_port))
    state = ReferenceState(state_db)
    api = ManagedPowerDns(settings).api()
    drainer = OutboxDrainer(state, state, lambda: PdnsDb.open(settings), api,
                            batch_size=int(batch), poll_interval=0.05)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    drainer.run(stop)


if __name__ == "__main__":
    main()
