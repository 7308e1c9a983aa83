"""The one-payer floor of domain:create: what MariaDB itself does for one registrar.

N threads, each on its own PyMySQL connection, repeat the least a billed create can be::

    SELECT balance FROM payer WHERE id = 1 FOR UPDATE
    INSERT INTO bought (name, price, at) VALUES (...)
    UPDATE payer SET balance = balance - price WHERE id = 1
    COMMIT

on one balance row, so every transaction queues on that row's lock, as one registrar's
creates do. The tables live in a fresh database of their own, dropped afterwards.
Prints transactions/s, p50 and p99::

    .venv/bin/python bench/create_floor.py --threads 8 --duration 10

``epp_load.py --create-floor`` runs it in the same invocation as the EPP targets, so that
domain:create is compared with it under the same conditions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass

import pymysql

SERVER = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}


@dataclass(frozen=True)
class FloorResult:
    threads: int
    transactions: int
    duration: float
    p50: float
    p99: float
    errors: int

    @property
    def rate(self) -> float:
        return self.transactions / self.duration


def measure(threads: int = 8, duration: float = 10.0, server: dict | None = None
            ) -> FloorResult:
    server = server or SERVER
    name = f"pyrar_floor_{uuid.uuid4().hex[:8]}"
    admin = pymysql.connect(**server, autocommit=True)
    try:
        with admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}`")
            cur.execute(f"CREATE TABLE `{name}`.payer (id INT PRIMARY KEY, "
                        "balance BIGINT NOT NULL) ENGINE=InnoDB")
            cur.execute(f"CREATE TABLE `{name}`.bought (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                        "name VARCHAR(253) NOT NULL UNIQUE, price BIGINT NOT NULL, "
                        "at DATETIME(6) NOT NULL) ENGINE=InnoDB")
            cur.execute(f"INSERT INTO `{name}`.payer VALUES (1, 1000000000000)")
        return _run(threads, duration, {**server, "database": name})
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


def _run(threads: int, duration: float, connect: dict) -> FloorResult:
    ready = threading.Barrier(threads + 1)
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    until = [0.0]

    def worker(n: int) -> None:
        conn = pymysql.connect(**connect, autocommit=False)
        cur = conn.cursor()
        cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        ready.wait()
        i = 0
        mine = latencies[n]
        while True:
            started = time.perf_counter()
            if started >= until[0]:
                break
            i += 1
            try:
                cur.execute("SELECT balance FROM payer WHERE id = 1 FOR UPDATE")
                cur.fetchone()
                cur.execute("INSERT INTO bought (name, price, at) VALUES (%s, %s, NOW(6))",
                            (f"floor-{n}-{i}.example", 1000))
                cur.execute("UPDATE payer SET balance = balance - %s WHERE id = 1", (1000,))
                conn.commit()
            except pymysql.err.OperationalError:
                conn.rollback()
                errors[n] += 1
                continue
            finished = time.perf_counter()
            if finished <= until[0]:
                mine.append((finished - started) * 1000)
        conn.close()

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    until[0] = time.perf_counter() + duration + 0.05
    ready.wait()
    for w in workers:
        w.join()
    every = sorted(x for mine in latencies for x in mine)
    return FloorResult(threads, len(every), duration, _percentile(every, 50),
                       _percentile(every, 99), sum(errors))


def _percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args(argv)
    r = measure(args.threads, args.duration)
    print(f"create floor: {r.threads} threads, {r.transactions} transactions, "
          f"{r.rate:.0f}/s, p50 {r.p50:.2f} ms, p99 {r.p99:.2f} ms, {r.errors} errors")
    return 1 if r.errors else 0


if __name__ == "__main__":
    sys.exit(main())
