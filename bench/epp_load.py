"""EPP load: N concurrent TLS sessions log in and send commands for T seconds.

Prints commands/s, p50 and p99 per target and mode. Several targets run one after the other
in the same invocation, so the real eppd is compared with the floor (``floor_server.py``) on
the same machine under the same conditions::

    python bench/epp_load.py --target eppd=credentials.json --floor sandbox/certs \\
        --sessions 8 --duration 20 --mode check --mode create --mode info

A credentials file is a JSON list (or {"registrars": [...]}) of objects with ``clid``,
``password``, ``cert``, ``key``, ``ca``, ``host``, ``port``; sessions are spread over them.
``--floor CERTS_DIR`` starts a floor server for the run (stopped afterwards) and targets it
with the same registrars; ``--session-floor`` adds eppd's own session path over a backend
that answers from memory, to tell the session path's cost from the registry core's;
``--check-floor PYRAR_TOML`` adds the least a server answering checks from that sandbox's
database must do, with the core's check and with one bare SELECT (``check_floor.py``).
``--create-floor`` adds, for ``--mode create``, the one-payer database floor
(``create_floor.py``: SELECT ... FOR UPDATE of one balance row, an INSERT, an UPDATE, COMMIT,
one thread per session through PyMySQL) as the target ``createfloor``; ``--registrars N``
spreads the sessions over the first N registrars only (1: every session bills one payer).
``--rounds N`` measures every target N times, interleaved, and gives each target's share of
the floor of its own round and the median: the machine's speed drifts from minute to minute. The
client runs in several processes (``--processes``) so that on a small machine the client is
not what limits the rate.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import json
import multiprocessing
import os
import re
import socket
import ssl
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import create_floor
from epp_commands import Registrar

HERE = Path(__file__).resolve().parent
EPP = "urn:ietf:params:xml:ns:epp-1.0"
DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"
FEE = "urn:ietf:params:xml:ns:epp:fee-1.0"
MODES = ("check", "create", "info")
FLOORS = ("floor", "createfloor")  # what the other targets are compared with
_CODE = re.compile(rb'<(?:\w+:)?result code="(\d{4})"')
_FEE_DATA = re.compile(rb'<(?:\w+:)?creData xmlns(?::\w+)?="' + FEE.encode())


@dataclass(frozen=True)
class Job:
    """What one client process does."""

    registrars: tuple[Registrar, ...]
    mode: str
    sessions: int
    first_session: int
    duration: float
    tld: str
    run_id: str
    registrant: str | None


@dataclass
class Outcome:
    latencies_ms: array.array
    codes: dict[int, int]
    failures: list[str]


# Frames

def _frame(body: str) -> bytes:
    payload = f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP}">{body}</epp>'.encode()
    return (len(payload) + 4).to_bytes(4, "big") + payload


def login_frame(r: Registrar) -> bytes:
    return _frame(
        f"<command><login><clID>{r.clid}</clID><pw>{r.password}</pw><options>"
        "<version>1.0</version><lang>en</lang></options>"
        f"<svcs><objURI>{DOMAIN}</objURI><svcExtension><extURI>{FEE}</extURI></svcExtension>"
        "</svcs></login><clTRID>load-login</clTRID>"
        "</command>")


def check_frame(names: list[str], trid: str) -> bytes:
    inner = "".join(f"<domain:name>{n}</domain:name>" for n in names)
    return _frame(f'<command><check><domain:check xmlns:domain="{DOMAIN}">{inner}'
                  f"</domain:check></check><clTRID>{trid}</clTRID></command>")


def create_frame(name: str, trid: str, registrant: str | None) -> bytes:
    owner = f"<domain:registrant>{registrant}</domain:registrant>" if registrant else ""
    return _frame(
        f'<command><create><domain:create xmlns:domain="{DOMAIN}"><domain:name>{name}'
        f'</domain:name><domain:period unit="y">1</domain:period>{owner}'
        "<domain:authInfo><domain:pw>Load-Test-2026!x-Str0ng-AuthInfo</domain:pw></domain:authInfo>"
        f"</domain:create></create><clTRID>{trid}</clTRID></command>")


def info_frame(name: str, trid: str) -> bytes:
    return _frame(f'<command><info><domain:info xmlns:domain="{DOMAIN}"><domain:name>{name}'
                  f"</domain:name></domain:info></info><clTRID>{trid}</clTRID></command>")


# One session

class Session:
    def __init__(self, job: Job, number: int, registrar: Registrar) -> None:
        self.job = job
        self.number = number
        self.registrar = registrar
        self.reader: asyncio.StreamReader
        self.writer: asyncio.StreamWriter
        self.sent = 0
        self.reply = b""
        self.missing_fees = 0  # creates answered without fee-1.0 creData
        self.info_name = f"info-{job.run_id}-{number}.{job.tld}"

    async def open(self) -> None:
        r = self.registrar
        ctx = ssl.create_default_context(cafile=r.ca)
        ctx.load_cert_chain(r.cert, r.key)
        self.reader, self.writer = await asyncio.open_connection(
            r.host, r.port, ssl=ctx, server_hostname="localhost")
        self.writer.get_extra_info("socket").setsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await self.read_frame()  # greeting
        code = await self.request(login_frame(r))
        if code >= 2000:
            raise RuntimeError(f"login of {r.clid} refused with {code}")
        if self.job.mode == "info":
            await self.request(create_frame(self.info_name, "load-setup", self.job.registrant))

    async def read_frame(self) -> bytes:
        header = await self.reader.readexactly(4)
        return await self.reader.readexactly(int.from_bytes(header, "big") - 4)

    async def request(self, frame: bytes) -> int:
        self.writer.write(frame)
        reply = await self.read_frame()
        match = _CODE.search(reply)
        self.reply = reply
        return int(match.group(1)) if match else 0

    def next_frame(self) -> bytes:
        self.sent += 1
        n, job = self.sent, self.job
        trid = f"load-{self.number}-{n}"
        stem = f"{job.run_id}-{self.number}-{n}"
        if job.mode == "check":
            return check_frame([f"c{stem}-{s}.{job.tld}" for s in "abc"], trid)
        if job.mode == "create":
            return create_frame(f"n{stem}.{job.tld}", trid, job.registrant)
        return info_frame(self.info_name, trid)

    async def run(self, until: float, outcome: Outcome) -> None:
        while time.perf_counter() < until:
            frame = self.next_frame()
            started = time.perf_counter()
            code = await self.request(frame)
            finished = time.perf_counter()
            if self.job.mode == "create" and code == 1000 and not _FEE_DATA.search(self.reply):
                self.missing_fees += 1
            if finished <= until:
                outcome.latencies_ms.append((finished - started) * 1000)
                outcome.codes[code] = outcome.codes.get(code, 0) + 1

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await self.writer.wait_closed()


# One client process

def client_process(job: Job, ready: multiprocessing.Queue, go: multiprocessing.Event,
                   results: multiprocessing.Queue) -> None:
    outcome = asyncio.run(_client(job, ready, go))
    results.put((outcome.latencies_ms.tobytes(), outcome.codes, outcome.failures))


async def _client(job: Job, ready: multiprocessing.Queue, go: multiprocessing.Event
                  ) -> Outcome:
    outcome = Outcome(array.array("d"), {}, [])
    sessions = [
        Session(job, n, job.registrars[n % len(job.registrars)])
        for n in range(job.first_session, job.first_session + job.sessions)
    ]
    opened = await asyncio.gather(*(s.open() for s in sessions), return_exceptions=True)
    live = [s for s, e in zip(sessions, opened, strict=True) if not isinstance(e, BaseException)]
    outcome.failures.extend(f"session setup: {e!r}" for e in opened
                            if isinstance(e, BaseException))
    ready.put(len(live))
    await asyncio.get_running_loop().run_in_executor(None, go.wait)
    until = time.perf_counter() + job.duration
    done = await asyncio.gather(*(s.run(until, outcome) for s in live),
                                return_exceptions=True)
    outcome.failures.extend(f"session: {e!r}" for e in done if isinstance(e, BaseException))
    missing = sum(s.missing_fees for s in live)
    if missing:
        outcome.failures.append(f"{missing} creates answered without fee-1.0 creData")
    await asyncio.gather(*(s.close() for s in live), return_exceptions=True)
    return outcome


# A whole measurement

@dataclass(frozen=True)
class Measurement:
    target: str
    mode: str
    sessions: int
    commands: int
    duration: float
    p50: float
    p99: float
    codes: dict[int, int]
    failures: list[str]
    round: int = 1

    @property
    def rate(self) -> float:
        return self.commands / self.duration


def measure(target: str, registrars: list[Registrar], mode: str, sessions: int,
            duration: float, processes: int, tld: str, registrant: str | None
            ) -> Measurement:
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    processes = max(1, min(processes, sessions))
    run_id = f"{int(time.time()) % 100000:05d}{os.getpid() % 1000:03d}{mode[:2]}"
    workers, first = [], 0
    for p in range(processes):
        count = sessions // processes + (1 if p < sessions % processes else 0)
        job = Job(tuple(registrars), mode, count, first, duration, tld, run_id, registrant)
        first += count
        worker = context.Process(target=client_process, args=(job, ready, go, results))
        worker.start()
        workers.append(worker)
    live = sum(ready.get(timeout=120) for _ in workers)
    go.set()
    latencies: list[float] = []
    codes: dict[int, int] = {}
    failures: list[str] = []
    for _ in workers:
        raw, worker_codes, worker_failures = results.get(timeout=duration + 120)
        latencies.extend(array.array("d", raw))
        for code, n in worker_codes.items():
            codes[code] = codes.get(code, 0) + n
        failures.extend(worker_failures)
    for worker in workers:
        worker.join()
    if live < sessions:
        failures.append(f"only {live} of {sessions} sessions started")
    return Measurement(target, mode, live, len(latencies), duration,
                       _percentile(latencies, 50), _percentile(latencies, 99), codes, failures)


def measure_create_floor(threads: int, duration: float, number: int) -> Measurement:
    r = create_floor.measure(threads, duration)
    failures = [f"{r.errors} transactions failed"] if r.errors else []
    return Measurement("createfloor", "create", threads, r.transactions, duration, r.p50,
                       r.p99, {1000: r.transactions}, failures, number)


def _percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


# Targets

def load_credentials(path: Path) -> list[Registrar]:
    data = json.loads(path.read_text())
    rows = data["registrars"] if isinstance(data, dict) else data
    base = path.resolve().parent
    return [
        Registrar(clid=r["clid"], password=r["password"], cert=str(base / r["cert"]),
                  key=str(base / r["key"]), ca=str(base / r["ca"]), host=r["host"],
                  port=int(r["port"]))
        for r in rows
    ]


def floor_registrars(certs: Path, port: int, template: list[Registrar]) -> list[Registrar]:
    """The eppd registrars pointed at the floor; or every client cert in ``certs``."""
    if template:
        return [replace(r, host="127.0.0.1", port=port) for r in template]
    skip = {"ca.pem", "server.pem"}
    return [
        Registrar(clid=p.stem, password="floor-pw", cert=str(p), key=str(p.with_suffix(".key")),
                  ca=str(certs / "ca.pem"), host="127.0.0.1", port=port)
        for p in sorted(certs.glob("*.pem")) if p.name not in skip
    ]


def start_floor(certs: Path, workers: int, threaded: bool, sessions: bool = False,
                check_floor: tuple[Path, str] | None = None) -> tuple[subprocess.Popen, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, str(HERE / "floor_server.py"), "--certs", str(certs),
               "--port", str(port), "--workers", str(workers)]
    if threaded:
        command.append("--threaded")
    if sessions:
        command.append("--sessions")
    if check_floor:
        command += ["--check-floor", str(check_floor[0]), "--depth", check_floor[1]]
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            time.sleep(0.5)  # let every worker bind, not only the first
            return process, port
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the floor server did not start")


def report(results: list[Measurement]) -> None:
    print(f"{'target':<12} {'mode':<7} {'sess':>4} {'commands':>9} {'cmd/s':>9} "
          f"{'p50 ms':>8} {'p99 ms':>8}  result codes")
    for m in results:
        codes = " ".join(f"{c}x{n}" for c, n in sorted(m.codes.items()))
        print(f"{m.target:<12} {m.mode:<7} {m.sessions:>4} {m.commands:>9} {m.rate:>9.0f} "
              f"{m.p50:>8.2f} {m.p99:>8.2f}  {codes}")
        for failure in m.failures[:5]:
            print(f"    ! {failure}")
    # Each target against the floors of its own round: the machine's speed drifts between.
    for floor in FLOORS:
        rates = {(m.mode, m.round): m.rate for m in results if m.target == floor}
        shares: dict[tuple[str, str], list[float]] = {}
        for m in results:
            if m.target not in FLOORS and rates.get((m.mode, m.round)):
                shares.setdefault((m.target, m.mode), []).append(
                    m.rate / rates[m.mode, m.round])
        for (target, mode), values in shares.items():
            rounds = " ".join(f"{v:.0%}" for v in values)
            median = f"{statistics.median(values):.0%} (median; rounds: {rounds})" \
                if len(values) > 1 else f"{values[0]:.0%}"
            print(f"{target} {mode}: {median} of the {floor}'s rate")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", action="append", default=[], metavar="NAME=CREDENTIALS",
                        help="a server to measure (repeatable)")
    parser.add_argument("--floor", type=Path, metavar="CERTS_DIR",
                        help="start a floor server with these certificates and measure it too")
    parser.add_argument("--floor-workers", type=int, default=1)
    parser.add_argument("--floor-threaded", action="store_true",
                        help="the floor answers through a thread pool, as eppd does")
    parser.add_argument("--session-floor", action="store_true",
                        help="with --floor: also measure eppd's session path over a backend "
                        "answering from memory (floor_server.py --sessions), as 'sessions'")
    parser.add_argument("--check-floor", type=Path, metavar="PYRAR_TOML",
                        help="with --floor: also measure the least a server answering checks "
                        "from this sandbox's database must do (floor_server.py --check-floor): "
                        "with the core's check as 'checkfloor', with one bare SELECT as "
                        "'dbfloor'")
    parser.add_argument("--create-floor", action="store_true",
                        help="with --mode create: also measure the one-payer database floor "
                        "(create_floor.py, one thread per session) as 'createfloor'")
    parser.add_argument("--registrars", type=int, metavar="N",
                        help="spread each target's sessions over its first N registrars only")
    parser.add_argument("--mode", action="append", choices=MODES)
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure every target this many times, interleaved; shares are "
                        "taken against the same round's floor")
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--tld", default="example")
    parser.add_argument("--registrant", help="contact id for domain:create, if policy needs")
    args = parser.parse_args(argv)

    targets: list[tuple[str, list[Registrar]]] = []
    for spec in args.target:
        name, _, path = spec.partition("=")
        targets.append((name, load_credentials(Path(path))[:args.registrars]))
    floors: list[subprocess.Popen] = []
    if args.floor:
        certs = args.floor.resolve()
        template = targets[0][1] if targets else []
        if args.session_floor:
            process, port = start_floor(certs, args.floor_workers, False, sessions=True)
            floors.append(process)
            targets.insert(0, ("sessions", floor_registrars(certs, port, template)))
        if args.check_floor:
            for name, depth in (("checkfloor", "core"), ("dbfloor", "database")):
                process, port = start_floor(certs, args.floor_workers, False,
                                            check_floor=(args.check_floor.resolve(), depth))
                floors.append(process)
                targets.insert(0, (name, floor_registrars(certs, port, template)))
        process, port = start_floor(certs, args.floor_workers, args.floor_threaded)
        floors.append(process)
        targets.insert(0, ("floor", floor_registrars(certs, port, template)))
    if not targets:
        parser.error("nothing to measure: give --target and/or --floor")
    results = []
    try:
        for mode in args.mode or ["check"]:
            for number in range(1, args.rounds + 1):
                if mode == "create" and args.create_floor:
                    results.append(measure_create_floor(args.sessions, args.duration, number))
                for name, registrars in targets:
                    results.append(replace(
                        measure(name, registrars, mode, args.sessions, args.duration,
                                args.processes, args.tld, args.registrant), round=number))
    finally:
        for process in floors:
            process.terminate()
            process.wait(15)
    report(results)
    return 1 if any(m.failures for m in results) else 0


if __name__ == "__main__":
    sys.exit(main())
