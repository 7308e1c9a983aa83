"""An escrow deposit of a large TLD: time and peak memory of `make_deposit` (full).

A migrated SQLite registry with ``--size`` domains (``registry_bulk_load``, as
``rdap_lookups.py`` builds it; ``--db`` reuses one) is deposited in full: the XML streamed
from one snapshot, tarred into gpg (ZLIB, AES-256) and signed. Reported: the wall time of
each stage, the deposit's sizes, and the peak resident memory of this process (the XML is
written here) and of its children (gpg), which must not grow with the TLD.

    python bench/escrow_deposit.py --size 1000000 [--db FILE]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rdap_lookups import build

from escrow.config import EscrowSettings
from escrow.deposit import make_deposit
from escrow.deposit_xml import NS
from escrow.openpgp import Gpg
from registry.db import Database, make_engine
from registry.migrate import upgrade
from registry.models.registrar import registrars
from registry.service import Registry


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=1_000_000)
    p.add_argument("--db", help="reuse this SQLite file (built when missing)")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="escrow-bench-"))
    path = Path(args.db) if args.db else work / "registry.sqlite3"
    if not path.exists():
        build(path, args.size)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)  # a file an older revision built
    with engine.begin() as conn:  # the deposit needs the registrars' addresses
        conn.execute(registrars.update().values(
            postal={"street": ["1 Bench Road"], "city": "Bench", "cc": "US"},
            email="bench@bench.example"))
    registry = Registry(Database(engine))
    with Gpg(work / "registry") as gpg, Gpg(work / "agent") as agent:
        signing = gpg.generate("Bench registry <r@bench.invalid>", encryption=False)
        agent_key = agent.generate("Bench agent <a@bench.invalid>", encryption=True)
        gpg.import_keys(agent.export(agent_key))
        settings = EscrowSettings(agent_key=agent_key, signing_key=signing)
        start = time.perf_counter()
        deposit = make_deposit(registry, settings, gpg, "example", "full", work / "out")
        elapsed = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    sizes = {p.suffix: p.stat().st_size for p in deposit.files}
    print(json.dumps({
        "domains": deposit.counts[NS["rdeDomain"]], "hosts": deposit.counts[NS["rdeHost"]],
        "seconds": round(elapsed, 1),
        "domains_per_second": round(deposit.counts[NS["rdeDomain"]] / elapsed),
        "ryde_bytes": sizes[".ryde"], "peak_rss_mib": own, "peak_child_rss_mib": children}))


if __name__ == "__main__":
    main()
