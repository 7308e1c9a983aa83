"""Commands per second through eppclient's pool against ``pyrar eppd``, as ratios to the
plain blocking client of bench/epp_commands.py on one session, measured in the same run.

A sandbox made by ``pyrar init`` (SQLite) and ``pyrar eppd --workers 2``, then:

- ``floor``: the blocking client, one session, one-name checks one after the other;
- ``sequential``: eppclient, one session, the same checks one at a time (the client's own
  cost: asyncio, lxml frames, typed answers);
- ``pool N``: eppclient with N sessions, C tasks sending one-name checks at once;
- ``creates``: eppclient with N sessions, C tasks creating names (orders, with fee-1.0).

    .venv/bin/python bench/eppclient_pool.py [--checks 2000] [--creates 300]
        [--sessions 1,2,4] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from epp_commands import DOMAIN, EppSession, Registrar, free_port, wait_for_eppd

from eppclient import EppClient, RegistryConfig

HERE = Path(__file__).resolve().parent


def config(registrar: Registrar, sessions: int) -> RegistryConfig:
    return RegistryConfig(
        name="bench", host=registrar.host, port=registrar.port, ca=Path(registrar.ca),
        cert=Path(registrar.cert), key=Path(registrar.key), clid=registrar.clid,
        password=registrar.password, tls_name="localhost", sessions=sessions,
        max_sessions=max(sessions, 4), currency="USD")


def floor(registrar: Registrar, count: int) -> float:
    session = EppSession(registrar)
    try:
        started = time.perf_counter()
        for i in range(count):
            session.ok(f'<check><domain:check xmlns:domain="{DOMAIN}"><domain:name>'
                       f"floor-{i}.example</domain:name></domain:check></check>")
        return count / (time.perf_counter() - started)
    finally:
        session.close()


async def sequential(registrar: Registrar, count: int) -> tuple[float, float]:
    """(checks per second, client CPU ms per check)."""
    async with EppClient(config(registrar, 1)) as epp:
        cpu, started = time.process_time(), time.perf_counter()
        for i in range(count):
            await epp.domain_check(f"seq-{i}.example")
        elapsed = time.perf_counter() - started
        return count / elapsed, (time.process_time() - cpu) * 1000 / count


async def pooled(registrar: Registrar, sessions: int, count: int, concurrency: int,
                 create: bool) -> float:
    async with EppClient(config(registrar, sessions)) as epp:
        while epp.pool.open_sessions < sessions:
            await asyncio.sleep(0.05)
        names = iter(range(count))
        stamp = f"{time.time_ns() % 10**9}"

        async def worker() -> None:
            for i in names:
                name = f"p{sessions}-{stamp}-{i}.example"
                if create:
                    await epp.domain_create(name, auth_info="Bench-Auth-0123456789",
                                            price=Decimal("10.00"))
                else:
                    await epp.domain_check(name)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return count / (time.perf_counter() - started)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checks", type=int, default=2000)
    p.add_argument("--creates", type=int, default=300)
    p.add_argument("--sessions", default="1,2,4")
    p.add_argument("--concurrency", type=int, default=16)
    args = p.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYRAR_")}
    env["PYTHONPATH"] = str(HERE.parent)
    pyrar = [sys.executable, "-m", "pyrar.cli.main"]
    with tempfile.TemporaryDirectory(prefix="pyrar-eppclient-") as work:
        sandbox = Path(work) / "sandbox"
        subprocess.run([*pyrar, "init", str(sandbox), "--epp-port", str(free_port()),
                        "--dns-port", str(free_port()), "--pdns-api-port", str(free_port())],
                       env=env, check=True, cwd=work, stdout=subprocess.DEVNULL)
        registrar = Registrar(**{
            k: v for k, v in json.loads((sandbox / "credentials.json").read_text())
            ["registrars"][0].items() if k in Registrar.__dataclass_fields__})
        server = subprocess.Popen(
            [*pyrar, "--config", str(sandbox / "pyrar.toml"), "eppd", "--workers", "2"],
            env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_eppd(registrar)
            base = floor(registrar, args.checks)
            print(f"floor (blocking client, 1 session): {base:.0f} checks/s")
            rate, cpu = asyncio.run(sequential(registrar, args.checks))
            print(f"eppclient, 1 session, one at a time: {rate:.0f} checks/s "
                  f"({rate / base:.2f} of the floor), client CPU {cpu:.2f} ms/check")
            for n in (int(s) for s in args.sessions.split(",")):
                rate = asyncio.run(pooled(registrar, n, args.checks, args.concurrency, False))
                print(f"eppclient, {n} sessions, {args.concurrency} tasks: {rate:.0f} "
                      f"checks/s ({rate / base:.2f} of the floor)")
            for n in (int(s) for s in args.sessions.split(",")):
                rate = asyncio.run(pooled(registrar, n, args.creates, args.concurrency, True))
                print(f"eppclient, {n} sessions, {args.concurrency} tasks: {rate:.0f} "
                      f"creates/s ({rate / base:.2f} of the check floor)")
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
