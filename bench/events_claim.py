"""The events claim query with dead letters piled up: which index keeps it cheap.

    .venv/bin/python bench/events_claim.py [--dead 100000] [--other 100000] [--claims 300]

On a fresh MariaDB database (and a SQLite file), migrated to head: ``--dead`` dead-lettered
rows of the consumer "dns", ``--other`` live rows of another consumer, and 20 live "dns"
rows. Then ``--claims`` claims of 500 rows for "dns" (registry.events.store.claim, as the
consumer loop runs it), timed, with the index the schema has, ``(consumer, dead_at, id)``,
and again with ``(consumer, id)`` instead. Prints JSON: per database and index, the claim
time's p50/p99 and mean in ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from zone_latency import summary

from registry.db import Database, create_database_if_missing, make_engine
from registry.events.store import claim
from registry.migrate import upgrade
from registry.models import Event

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
INDEXES = {"(consumer, dead_at, id)": ("consumer", "dead_at", "id"),
           "(consumer, id)": ("consumer", "id")}


def fill(db: Database, dead: int, other: int) -> None:
    row = {"kind": "dns.changed", "payload": {"zone": "example", "owner": "x.example"},
           "created_at": NOW, "attempts": 0}
    with db.transaction() as session:
        for start in range(0, max(dead, other), 10000):
            n_dead = min(10000, max(0, dead - start))
            n_other = min(10000, max(0, other - start))
            if n_dead:
                session.execute(insert(Event.__table__), [
                    {**row, "consumer": "dns", "attempts": 10, "dead_at": NOW}] * n_dead)
            if n_other:
                session.execute(insert(Event.__table__), [{**row, "consumer": "mail"}] * n_other)
        session.execute(insert(Event.__table__), [{**row, "consumer": "dns"}] * 20)


def use_index(db: Database, columns: tuple[str, ...]) -> None:
    with db.engine.begin() as conn:
        if db.dialect == "sqlite":
            conn.execute(text("DROP INDEX ix_events_claim"))
        else:
            conn.execute(text("DROP INDEX ix_events_claim ON events"))
        conn.execute(text(f"CREATE INDEX ix_events_claim ON events ({', '.join(columns)})"))
        if db.dialect != "sqlite":
            conn.execute(text("ANALYZE TABLE events"))


def time_claims(db: Database, claims: int) -> dict:
    times = []
    for _ in range(claims):
        started = time.perf_counter()
        got = db.run_reads(lambda s: claim(s, "dns", NOW, 500))
        times.append(time.perf_counter() - started)
        assert len(got) == 20
    return summary(times)


def measure(db: Database, args: argparse.Namespace) -> dict:
    upgrade(db.engine)
    fill(db, args.dead, args.other)
    out = {}
    for name, columns in INDEXES.items():
        use_index(db, columns)
        out[name] = time_claims(db, args.claims)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dead", type=int, default=100000)
    p.add_argument("--other", type=int, default=100000)
    p.add_argument("--claims", type=int, default=300)
    p.add_argument("--mariadb", default=os.environ.get(
        "PYRAR_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306"))
    args = p.parse_args()
    results = {}
    work = Path(tempfile.mkdtemp(prefix="pyrar-events-claim-"))
    db = Database(make_engine(f"sqlite:///{work / 'registry.sqlite3'}"))
    try:
        results["sqlite"] = measure(db, args)
    finally:
        db.dispose()
        shutil.rmtree(work, ignore_errors=True)
    url = f"{args.mariadb}/pyrar_bench_{uuid.uuid4().hex[:10]}"
    create_database_if_missing(url)
    db = Database(make_engine(url))
    try:
        results["mariadb"] = measure(db, args)
    finally:
        db.dispose()
        server = create_engine(f"{args.mariadb}/")
        with server.begin() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{url.rsplit('/', 1)[1]}`")
        server.dispose()
    print(json.dumps({"dead": args.dead, "other": args.other, "claims": args.claims,
                      "results": results}, indent=1))


if __name__ == "__main__":
    main()
