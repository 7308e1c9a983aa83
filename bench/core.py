"""Flows per second straight against the registry core (no EPP): check, create, info.

    .venv/bin/python bench/core.py [--db URL] [--seconds 5] [--threads 1,4]

Without --db it creates (and drops) a fresh MariaDB database on 127.0.0.1:3306.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from registry.admin.registrars import add_registrar
from registry.admin.tlds import add_tld, set_price
from registry.billing import credit
from registry.db import Database, create_database_if_missing, make_engine
from registry.flows.context import Actor
from registry.flows.domain_check import DomainCheck
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_info import DomainInfoQuery
from registry.migrate import upgrade
from registry.service import Registry

SERVER = "mysql+pymysql://root@127.0.0.1:3306"
AUTH = "Bench-Str0ng-AuthInfo-0123456789"


@contextmanager
def bench_database(url: str | None) -> Iterator[str]:
    """``url``, or a fresh MariaDB database on 127.0.0.1:3306, dropped afterwards."""
    if url is not None:
        yield url
        return
    name = f"pyrar_bench_{uuid.uuid4().hex[:8]}"
    create_database_if_missing(f"{SERVER}/{name}")  # as `pyrar init` makes it
    server = sa.create_engine(f"{SERVER}/")
    try:
        yield f"{SERVER}/{name}"
    finally:
        with server.begin() as conn:
            conn.exec_driver_sql(f"DROP DATABASE `{name}`")
        server.dispose()


def setup(url: str) -> tuple[Registry, Actor]:
    engine = make_engine(url, pool_size=16)
    upgrade(engine)
    registry = Registry(Database(engine))

    def work(ctx):
        add_tld(ctx, "bench")
        for op in ("create", "renew", "transfer", "restore"):
            set_price(ctx, "bench", op, "USD", 100)
        r = add_registrar(ctx, "bencher", password="bench-password", fingerprints=("b" * 64,))
        credit(ctx, r.id, 10**12, "payment", None, "bench funds")
        return Actor.registrar(r.id, r.clid)

    return registry, registry.run(work, Actor.operator("bench"))


def measure(name: str, threads: int, seconds: float, op) -> int:
    latencies: list[list[float]] = [[] for _ in range(threads)]
    stop = time.perf_counter() + seconds
    counter = itertools.count()

    def loop(i: int) -> None:
        while time.perf_counter() < stop:
            n = next(counter)
            t0 = time.perf_counter()
            op(n)
            latencies[i].append(time.perf_counter() - t0)

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    flat = sorted(x for lat in latencies for x in lat)
    p50 = statistics.median(flat) * 1000
    p99 = flat[int(len(flat) * 0.99) - 1] * 1000
    print(f"{name:<8} threads={threads:<2} {len(flat) / elapsed:8.0f} flows/s   "
          f"p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   ({len(flat)} flows)")
    return len(flat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="database URL (default: a fresh MariaDB database)")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", default="1,4")
    args = parser.parse_args()
    with bench_database(args.db) as url:
        registry, actor = setup(url)
        print(f"core flows against {registry.db.dialect} ({url.split('@')[-1]})")
        prefix = uuid.uuid4().hex[:6]
        for threads in (int(t) for t in args.threads.split(",")):
            run = f"{prefix}t{threads}"
            created = measure("create", threads, args.seconds, lambda n, r=run: registry.execute(
                DomainCreate(f"{r}-{n}.bench", authinfo=AUTH), actor))
            measure("check", threads, args.seconds, lambda n, r=run: registry.execute(
                DomainCheck((f"{r}-{n}.bench", f"free-{n}.bench", f"{r}-{n + 1}.bench")),
                actor))
            measure("info", threads, args.seconds, lambda n, r=run, c=created: registry.execute(
                DomainInfoQuery(f"{r}-{n % c}.bench"), actor))
        registry.close()


if __name__ == "__main__":
    main()
