"""Connections to eppd: how fast a greeting comes, whether strangers can crowd registrars
out, and what session churn does to a worker's memory.

A sandbox made by ``pyrar init`` (SQLite) and ``pyrar eppd --workers 2``, then:

- ``sequential``: N connections one after the other (TCP, TLS handshake, greeting): the
  greeting's delay after the handshake and connections per second.
- ``flood``: F raw TCP connections from 127.0.0.2 that never start TLS, held open; then a
  registrar connects from 127.0.0.1 and the time to its greeting is measured.
- ``churn``: S sessions log in and out (8 at a time) and C checks of 100 names each, then
  the workers' resident memory (``VmRSS``) before, at its peak and after.
- ``heavy``: another registrar's one-name checks, p50 and p95, alone and while the first
  registrar's H sessions send checks of N names each without pause.

    .venv/bin/python bench/epp_connect.py [--checkout DIR] [--connects 300] [--flood 2000]
        [--heavy-sessions 10] [--heavy-names 100]

``--checkout`` runs another checkout's code (an older commit, for a before/after figure).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from epp_commands import DOMAIN, EppSession, Registrar, free_port, wait_for_eppd

HERE = Path(__file__).resolve().parent


def context(registrar: Registrar) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=registrar.ca)
    ctx.load_cert_chain(registrar.cert, registrar.key)
    return ctx


def read_frame(sock: ssl.SSLSocket) -> bytes:
    header = b""
    while len(header) < 4:
        header += sock.recv(4 - len(header))
    length = struct.unpack(">I", header)[0] - 4
    data = b""
    while len(data) < length:
        data += sock.recv(length - len(data))
    return data


def greeting_times(registrar: Registrar, ctx: ssl.SSLContext) -> tuple[float, float]:
    """(seconds from connect to greeting, from handshake done to greeting)."""
    started = time.perf_counter()
    raw = socket.create_connection((registrar.host, registrar.port), timeout=30)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    with ctx.wrap_socket(raw, server_hostname="localhost") as sock:
        shaken = time.perf_counter()
        read_frame(sock)
        done = time.perf_counter()
    return done - started, done - shaken


def ms(values: list[float], q: float) -> str:
    values = sorted(values)
    return f"{values[min(len(values) - 1, int(q * len(values)))] * 1000:.1f} ms"


def sequential(registrar: Registrar, count: int) -> None:
    ctx = context(registrar)
    started = time.perf_counter()
    times = [greeting_times(registrar, ctx) for _ in range(count)]
    elapsed = time.perf_counter() - started
    after = [t[1] for t in times]
    print(f"sequential: {count / elapsed:.0f} connections/s; greeting after the handshake "
          f"p50 {ms(after, 0.5)}, p99 {ms(after, 0.99)}")


def flood(registrar: Registrar, count: int) -> None:
    held = []
    for _ in range(count):
        try:
            s = socket.create_connection((registrar.host, registrar.port), timeout=5,
                                         source_address=("127.0.0.2", 0))
            held.append(s)
        except OSError:
            pass
    ctx = context(registrar)
    try:
        times = [greeting_times(registrar, ctx)[0] for _ in range(20)]
    finally:
        for s in held:
            s.close()
    print(f"flood of {count} raw connections from 127.0.0.2: a registrar's greeting "
          f"p50 {ms(times, 0.5)}, max {ms(times, 1.0)}")


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def worker_pids(parent: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def churn(registrar: Registrar, sessions: int, checks: int, pids: list[int]) -> None:
    before = rss_kib(pids)
    peak = [before]
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.2):
            peak.append(rss_kib(pids))

    def work(part: int) -> None:
        for n in range(part, sessions, 8):
            epp = EppSession(registrar)
            for k in range(max(1, checks // sessions)):
                epp.command(check_frame([f"churn{i}-{n}-{k}.example" for i in range(100)]))
            epp.close()

    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()
    print(f"churn: {sessions} sessions, {max(1, checks // sessions) * sessions} checks of "
          f"100 names: workers' RSS {before / 1024:.0f} MB before, peak "
          f"{max(peak) / 1024:.0f} MB, after {rss_kib(pids) / 1024:.0f} MB")


def check_frame(names: list[str]) -> str:
    listed = "".join(f"<domain:name>{n}</domain:name>" for n in names)
    return f'<check><domain:check xmlns:domain="{DOMAIN}">{listed}</domain:check></check>'


def one_name_checks(registrar: Registrar, count: int) -> list[float]:
    epp, times = EppSession(registrar), []
    for n in range(count):
        started = time.perf_counter()
        epp.command(check_frame([f"quiet{n}.example"]))
        times.append(time.perf_counter() - started)
    epp.close()
    return times


def heavy(quiet: Registrar, heavy_registrar: Registrar, sessions: int, names: int) -> None:
    alone = one_name_checks(quiet, 300)
    stop = threading.Event()
    sent = [0] * sessions
    frame = check_frame([f"heavy{i}.example" for i in range(names)])

    def work(part: int) -> None:
        epp = EppSession(heavy_registrar)
        while not stop.is_set():
            epp.command(frame)
            sent[part] += 1
        epp.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(sessions)]
    for t in threads:
        t.start()
    # every heavy session is sending (or has ended: the server may refuse such checks)
    while any(not n and t.is_alive() for n, t in zip(sent, threads, strict=True)):
        time.sleep(0.05)
    try:
        crowded = one_name_checks(quiet, 300)
    finally:
        stop.set()
        for t in threads:
            t.join()
    print(f"heavy: a registrar's one-name check alone p50 {ms(alone, 0.5)}, p95 "
          f"{ms(alone, 0.95)}; while another's {sessions} sessions send {names}-name checks "
          f"({sum(sent)} sent) p50 {ms(crowded, 0.5)}, p95 {ms(crowded, 0.95)}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkout", type=Path, default=HERE.parent,
                   help="the PyRar checkout whose code runs (default: this one)")
    p.add_argument("--connects", type=int, default=300)
    p.add_argument("--flood", type=int, default=2000)
    p.add_argument("--sessions", type=int, default=2000)
    p.add_argument("--checks", type=int, default=4000)
    p.add_argument("--heavy-sessions", type=int, default=10)
    p.add_argument("--heavy-names", type=int, default=100)
    args = p.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYRAR_")}
    env["PYTHONPATH"] = str(args.checkout.resolve())
    pyrar = [sys.executable, "-m", "pyrar.cli.main"]
    with tempfile.TemporaryDirectory(prefix="pyrar-connect-") as work:
        sandbox = Path(work) / "sandbox"
        subprocess.run([*pyrar, "init", str(sandbox), "--epp-port", str(free_port()),
                        "--dns-port", str(free_port()), "--pdns-api-port", str(free_port())],
                       env=env, check=True, cwd=work,
                       stdout=subprocess.DEVNULL)
        config = sandbox / "pyrar.toml"
        env["PYRAR_EPPD_MAX_SESSIONS_PER_REGISTRAR"] = "64"  # 8 churning at once, and more
        registrar, other = (
            Registrar(**{k: creds[k] for k in Registrar.__dataclass_fields__})
            for creds in json.loads((sandbox / "credentials.json").read_text())["registrars"])
        server = subprocess.Popen([*pyrar, "--config", str(config), "eppd", "--workers", "2"],
                                  env=env, cwd=work, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            wait_for_eppd(registrar)
            sequential(registrar, args.connects)
            flood(registrar, args.flood)
            churn(registrar, args.sessions, args.checks, worker_pids(server.pid))
            heavy(other, registrar, args.heavy_sessions, args.heavy_names)
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
