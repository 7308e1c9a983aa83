"""Search on the registrar: one label in 10 TLDs at once, with 1,000,000 names registered.

    .venv/bin/python bench/registrar_search.py [--size 1000000] [--tlds 10] [--searches 500]
        [--db sqlite|mariadb|both]

On a fresh database migrated to head: ``--tlds`` TLDs with prices, a house registrar, one
premium regex and a few reserved names per TLD, and ``--size`` domains spread evenly over
the TLDs (``d<i>.<tld>``: domain rows only, written with multi-row INSERTs; search reads no
hosts). Then ``--searches`` searches through ``RegistrarCore.search`` (parse, UTS #46, the
registry's check flow with fee quotes for create/renew/transfer/restore, markup), each for
one label in every TLD: a third taken names, a third free, a third IDN (U-label input).
Prints JSON: per database, the search time's p50/p90/p99/max in ms (the issue's bound: p99
at most 50 ms), and the same for a floor measured in turn with each search (one empty read
on the same path), so that a busy machine shows as a slow floor.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text
from zone_latency import summary

from registrar.config import RegistrarSettings
from registrar.core import RegistrarCore
from registry.admin.registrars import add_registrar
from registry.admin.tlds import add_premium, add_reserved, add_tld, set_price
from registry.db import Database, create_database_if_missing, make_engine
from registry.flows.context import Actor
from registry.migrate import upgrade
from registry.models import Domain, Registrar, Tld
from registry.service import Registry

CHUNK = 10_000
MARIADB = "mysql+pymysql://root@127.0.0.1:3306"


def populate(registry: Registry, tlds: list[str]) -> None:
    def work(ctx):
        for name in tlds:
            add_tld(ctx, name)
            for op, amount in {"create": 1000, "renew": 1000, "transfer": 800,
                               "restore": 5000}.items():
                set_price(ctx, name, op, "USD", amount)
            add_premium(ctx, name, "^[a-z]{1,3}$", regex=True, currency="USD",
                        prices={"create": 100_000, "renew": 100_000})
            for label in ("nic", "www", "whois"):
                add_reserved(ctx, name, label, "Registry operations")
        add_registrar(ctx, "house", password="house-pw-123", credit_limit=0)
    registry.run(work, Actor.operator("bench"))


def load(engine, tlds: list[str], size: int) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        tld_ids = {n: conn.scalar(select(Tld.id).where(Tld.name == n)) for n in tlds}
        sponsor = conn.scalar(select(Registrar.id).where(Registrar.clid == "house"))
        first = (conn.scalar(select(func.max(Domain.id))) or 0) + 1
        expires = now + timedelta(days=300)
        for start in range(0, size, CHUNK):
            rows = []
            for i in range(start, min(start + CHUNK, size)):
                tld = tlds[i % len(tlds)]
                rows.append({"id": first + i, "name": f"d{i}.{tld}", "tld_id": tld_ids[tld],
                             "sponsor_id": sponsor, "creator_id": sponsor,
                             "created_at": now - timedelta(days=30), "expires_at": expires,
                             "next_event_at": expires, "statuses": [], "state": "active"})
            conn.execute(insert(Domain), rows)


def queries(size: int, n: int, rnd: random.Random) -> list[str]:
    out = []
    for k in range(n):
        kind = k % 3
        if kind == 0:
            out.append(f"d{rnd.randrange(size)}")  # taken in one TLD
        elif kind == 1:
            out.append(f"free{rnd.randrange(10**9)}")
        else:
            out.append(f"bücher{rnd.randrange(10**6)}")
    return out


def run(url: str, size: int, n_tlds: int, searches: int) -> dict:
    tlds = [f"t{i}" for i in range(n_tlds)]
    engine = make_engine(url)
    upgrade(engine)
    registry = Registry(Database(engine))
    populate(registry, tlds)
    started = time.monotonic()
    load(engine, tlds, size)
    load_s = time.monotonic() - started
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    core = RegistrarCore(registry, RegistrarSettings(search_max_tlds=n_tlds))
    rnd = random.Random(15)
    for q in queries(size, 50, rnd):  # warm-up: caches, connections
        core.search(q)
    times, floor = [], []
    results = 0
    for q in queries(size, searches, rnd):
        t = time.perf_counter()
        results += len(core.search(q))
        times.append(time.perf_counter() - t)
        # the floor, interleaved so that both see the same machine: one read of the same
        # path (a session, one round trip) that does no work
        t = time.perf_counter()
        registry.read(lambda s: s.execute(text("SELECT 1")).scalar())
        floor.append(time.perf_counter() - t)
    registry.close()
    assert results == searches * n_tlds
    search, base = summary(times), summary(floor)
    return {"load_s": round(load_s, 1), "search": search, "floor": base,
            "p50_over_floor": round(search["p50_ms"] / max(base["p50_ms"], 0.1), 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--tlds", type=int, default=10)
    parser.add_argument("--searches", type=int, default=500)
    parser.add_argument("--db", choices=("sqlite", "mariadb", "both"), default="both")
    args = parser.parse_args()
    out = {"size": args.size, "tlds": args.tlds}
    if args.db in ("sqlite", "both"):
        directory = Path(tempfile.mkdtemp(prefix="bench-search-"))
        try:
            out["sqlite"] = run(f"sqlite:///{directory / 'r.sqlite3'}", args.size, args.tlds,
                                args.searches)
        finally:
            shutil.rmtree(directory)
    if args.db in ("mariadb", "both"):
        name = f"bench_search_{uuid.uuid4().hex[:8]}"
        url = f"{MARIADB}/{name}?charset=utf8mb4"
        create_database_if_missing(url)
        try:
            out["mariadb"] = run(url, args.size, args.tlds, args.searches)
        finally:
            server = create_engine(MARIADB)
            with server.begin() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
            server.dispose()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
