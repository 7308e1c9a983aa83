"""RDAP domain lookups per second and their latency, against a bare aiohttp JSON handler.

A migrated SQLite registry with ``--size`` domains (``registry_bulk_load``: 3/4 with their
own glue hosts, 1/4 on external hosts, 1/2 with a DS) is served by the RDAP application in a
child process; a second child serves the floor: the same aiohttp stack answering every GET
with a fixed JSON body of the same size, nothing read. One client (aiohttp, ``--concurrency``
requests in flight, keep-alive) asks each for ``--requests`` random domains, on loopback,
one server after the other in the same run. The floor's rate is what any aiohttp service on
this machine reaches; the ratio says what RDAP's data path costs.

    python bench/rdap_lookups.py --size 1000000 --requests 20000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import socket
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry_bulk_load import BulkSpec, load

from registry.admin.registrars import add_registrar
from registry.admin.tlds import add_tld
from registry.config import RegistrySettings
from registry.db import Database, make_engine
from registry.flows.context import Actor
from registry.migrate import upgrade
from registry.service import Registry


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(path: Path, size: int) -> None:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    registry = Registry(Database(engine), settings=RegistrySettings(password_hash_cost=2))

    def setup(ctx):
        add_tld(ctx, "example")
        add_registrar(ctx, "bench", password="bench-pw-1", iana_id=9999,
                      abuse_email="abuse@bench.example", abuse_phone="+1.5555550100")
    registry.run(setup, Actor.operator("bench"))
    load(engine, BulkSpec("example", size, "bench"))
    engine.dispose()


def serve_rdap(path: Path, port: int) -> None:
    from aiohttp import web

    from rdap.app import Rdap
    from rdap.config import RdapSettings
    from registry.rdds_source import RegistrySource

    registry = Registry(Database(make_engine(f"sqlite:///{path}")))
    settings = RdapSettings(port=port, rate_per_second=1e9, rate_burst=10**9,
                            read_threads=int(os.environ.get("RDAP_READ_THREADS", "2")))
    app = Rdap(RegistrySource(registry), settings).application()
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def serve_floor(body: bytes, port: int) -> None:
    from aiohttp import web

    async def answer(_request):
        return web.Response(body=body, content_type="application/rdap+json",
                            headers={"Access-Control-Allow-Origin": "*"})

    app = web.Application()
    app.router.add_get("/domain/{name}", answer)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


async def drive(port: int, names: list[str], concurrency: int) -> tuple[float, list[float]]:
    import aiohttp

    latencies: list[float] = []
    queue = iter(names)

    async def worker(session):
        for name in queue:
            start = time.perf_counter()
            async with session.get(f"http://127.0.0.1:{port}/domain/{name}") as r:
                await r.read()
                assert r.status == 200, (name, r.status)
            latencies.append(time.perf_counter() - start)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(f"http://127.0.0.1:{port}/domain/{names[0]}") as r:
            await r.read()  # warm up: connections, caches
        start = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return len(names) / elapsed, sorted(latencies)


def run_server(target, args) -> multiprocessing.Process:
    """Started once its port accepts (args end with the port)."""
    process = multiprocessing.Process(target=target, args=args, daemon=True)
    process.start()
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", args[-1]), timeout=1).close()
            return process
        except OSError:
            if time.monotonic() > deadline or not process.is_alive():
                raise RuntimeError("server did not start") from None
            time.sleep(0.05)


def measure(label: str, port: int, names: list[str], concurrency: int) -> dict:
    rate, latencies = asyncio.run(drive(port, names, concurrency))
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    result = {"label": label, "rate": rate, "p50": p(0.5), "p99": p(0.99)}
    print(f"{label:>6}: {rate:8.0f} lookups/s  p50 {result['p50']:.1f} ms  "
          f"p99 {result['p99']:.1f} ms", flush=True)
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=1_000_000)
    p.add_argument("--requests", type=int, default=20_000)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--db", help="reuse this SQLite file (built when missing)")
    args = p.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="rdap-bench-"))
    path = Path(args.db) if args.db else workdir / "registry.sqlite3"
    if not path.exists():
        start = time.perf_counter()
        build(path, args.size)
        print(f"loaded {args.size} domains in {time.perf_counter() - start:.1f} s", flush=True)
    rng = random.Random(19)
    names = [f"d{rng.randrange(args.size)}.example" for _ in range(args.requests)]
    rdap_port, floor_port = free_port(), free_port()
    server = run_server(serve_rdap, (path, rdap_port))
    try:
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{rdap_port}/domain/{names[0]}") as r:
            body = r.read()
        rdap = measure("rdap", rdap_port, names, args.concurrency)
    finally:
        server.terminate()
        server.join()
    floor = run_server(serve_floor, (body, floor_port))
    try:
        bare = measure("floor", floor_port, names, args.concurrency)
    finally:
        floor.terminate()
        floor.join()
    print(json.dumps({"size": args.size, "requests": args.requests, "rdap": rdap,
                      "floor": bare, "ratio": rdap["rate"] / bare["rate"],
                      "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()
