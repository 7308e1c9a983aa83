"""zonegen's DNS drainer under a create load: its CPU and registry queries per event.

    .venv/bin/python bench/dns_drain.py --tree after=. --tree before=/tmp/old-worktree \\
        [--creates 600] [--rate 150] [--threads 4] [--rounds 3] [--batch 500]

Each ``--tree NAME=PATH[@COALESCE]`` runs, round after round in alternating order, with the
registry and zonegen imported from PATH (a worktree of the project; this script and its
helpers always from here), so that every tree sees the same machine in the same run.
``@COALESCE`` sets the drainer's ``coalesce`` (seconds; the tree's default otherwise).

One run of a tree: a fresh MariaDB database (bench/core.py's setup) whose TLD ``bench`` is
published by a fresh managed PowerDNS; the drainer runs its loop as ``zone serve`` does, in
this process, woken through its socket; a producer process commits ``--creates``
domain:creates from ``--threads`` sessions (two external name servers, a DS on every other)
at ``--rate`` per second through the registry, each waking the drainer after its commit as
eppd does. Measured in the
drainer's thread only: CPU (its thread clock), the SQL statements it sends to the registry's
database (counted: steady where CPU is not), its passes. At the end PowerDNS must hold
exactly what the registry says (a dry-run sync finds nothing to change) and no event may be
left: a bench that loses an event fails.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NS = ("ns1.example.net", "ns2.example.net")


def produce(args: argparse.Namespace) -> None:
    """The load: creates at a steady rate, each commit waking the drainer's socket."""
    from core import AUTH

    from registry.db import Database, make_engine
    from registry.events.wake import Wakeup
    from registry.flows.context import Actor
    from registry.flows.domain_create import DomainCreate
    from registry.service import Registry
    from registry.values import DsData

    registry = Registry(Database(make_engine(args.db)), wakeup=Wakeup(Path(args.run_dir)))
    actor = Actor.registrar(args.registrar_id, args.registrar_clid)
    ds = DsData(12345, 13, 2, "AB" * 32)
    started = time.monotonic()

    def sessions(first: int) -> None:   # as eppd's sessions: creates from several threads
        for n in range(first, args.creates, args.threads):
            due = started + n / args.rate
            if (ahead := due - time.monotonic()) > 0:
                time.sleep(ahead)   # pacing the load generator, not waiting for a result
            registry.execute(DomainCreate(f"load{n}.bench", nameservers=NS, authinfo=AUTH,
                                          ds_data=(ds,) if n % 2 else ()), actor)
    threads = [threading.Thread(target=sessions, args=(t,)) for t in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"seconds": time.monotonic() - started}), flush=True)
    registry.close()


def one_run(args: argparse.Namespace) -> None:
    """One tree, one round; prints its figures as a JSON line."""
    from core import bench_database, setup
    from sqlalchemy import Engine, event, func, select
    from zone_sync import free_port, settings_for

    from registry.admin.tlds import set_dns_settings
    from registry.db import Database, make_engine
    from registry.events.store import RegistryEvents
    from registry.events.wake import Wakeup
    from registry.flows.context import Actor
    from registry.flows.host_create import HostCreate
    from registry.models import Event
    from registry.service import Registry
    from zonegen.cli import dns_settings
    from zonegen.core_state import CoreState
    from zonegen.drainer import OutboxDrainer
    from zonegen.pdnsdb import PdnsDb
    from zonegen.server import ManagedPowerDns
    from zonegen.sync import ZoneSync

    work = Path(tempfile.mkdtemp(prefix="pyrar-drain-"))
    settings = settings_for(work / "pdns", free_port(), free_port())
    server = ManagedPowerDns(settings)
    server.start()
    try:
        with bench_database(None) as url:
            setup_registry, actor = setup(url)
            setup_registry.run(lambda ctx: set_dns_settings(
                ctx, "bench", dns_settings("bench", list(NS))), Actor.operator("bench"))
            for host in NS:
                setup_registry.execute(HostCreate(host, ()), actor)
            setup_registry.close()
            registry = Registry(Database(make_engine(url)), wakeup=Wakeup(work / "run"))
            doorbell = registry.wakeup.doorbell("dns")
            state = CoreState(registry)
            options = {"poll_interval": settings.poll_interval, "doorbell": doorbell,
                       "batch_size": args.batch}
            coalesce = args.coalesce if args.coalesce is not None else getattr(
                settings, "coalesce", None)
            if "coalesce" in inspect.signature(OutboxDrainer).parameters:
                options["coalesce"] = coalesce
            drainer = OutboxDrainer(RegistryEvents(registry), state,
                                    lambda: PdnsDb.open(settings), server.api(), **options)
            drainer.run_until_idle()   # the zone created and synced: not measured

            passes: list[int] = []
            handle = drainer.consumer.handle

            def counted(batch) -> None:
                passes.append(len(batch.deliveries))
                handle(batch)
            drainer.consumer.handle = counted
            sent: list[str] = []
            ident: list[int] = []

            def record(_conn, _cursor, statement, *_rest) -> None:
                if ident and threading.get_ident() == ident[0]:
                    sent.append(statement)
            event.listen(Engine, "before_cursor_execute", record)
            stop = threading.Event()
            thread = threading.Thread(target=drainer.run, args=(stop,), daemon=True)
            thread.start()
            ident.append(thread.ident)
            clock = time.pthread_getcpuclockid(thread.ident)
            cpu0 = time.clock_gettime(clock)
            load0 = os.getloadavg()[0]
            producer = subprocess.run(
                [sys.executable, __file__, "--produce", "--db", url, "--run-dir",
                 str(work / "run"), "--creates", str(args.creates), "--rate", str(args.rate),
                 "--threads", str(args.threads), "--registrar-id", str(actor.registrar_id),
                 "--registrar-clid", actor.name], env=os.environ, capture_output=True,
                text=True, timeout=3600, check=False)
            if producer.returncode != 0:
                raise SystemExit(f"producer failed: {producer.stderr[-2000:]}")
            load_seconds = json.loads(producer.stdout.splitlines()[-1])["seconds"]

            def pending() -> int:
                return registry.read(lambda s: s.scalar(
                    select(func.count()).select_from(Event).where(Event.consumer == "dns")))
            deadline = time.monotonic() + 300
            while pending():
                if time.monotonic() > deadline:
                    raise SystemExit("events left undrained after 300 s")
                time.sleep(0.05)
            cpu = time.clock_gettime(clock) - cpu0
            load1 = os.getloadavg()[0]
            stop.set()
            drainer.wake()
            thread.join(30)
            event.remove(Engine, "before_cursor_execute", record)
            spec = state.zone_spec("bench.")
            db = PdnsDb.open(settings)
            dry = ZoneSync(db).sync(spec, list(state.delegations("bench.")), dry_run=True)
            db.close()
            if (dry.inserted, dry.deleted) != (0, 0):
                raise SystemExit(f"PowerDNS differs from the registry: {dry}")
            drainer.close()
            doorbell.close()
            registry.close()
            events = sum(passes)
            print(json.dumps({
                "events": events, "creates": args.creates,
                "rate": round(args.creates / load_seconds),
                "coalesce": options.get("coalesce"),
                "cpu_us_per_event": round(cpu / events * 1e6),
                "statements_per_event": round(len(sent) / events, 2),
                "passes": len(passes), "events_per_pass": round(events / len(passes), 2),
                "load": [round(load0, 1), round(load1, 1)]}), flush=True)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", default=[],
                        help="NAME=PATH[@COALESCE], repeatable")
    parser.add_argument("--creates", type=int, default=600)
    parser.add_argument("--rate", type=float, default=150.0, help="creates per second")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4, help="the producer's sessions")
    parser.add_argument("--batch", type=int, default=500,
                        help="the drainer's batch size (1 or 2: passes as small as a fast "
                             "drainer makes them between rare commits)")
    parser.add_argument("--coalesce", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--produce", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--run-dir", help=argparse.SUPPRESS)
    parser.add_argument("--registrar-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--registrar-clid", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.produce:
        return produce(args)
    if args.one:
        return one_run(args)
    trees = []
    for item in args.tree or [f"this={HERE.parent}"]:
        name, _, rest = item.partition("=")
        path, _, coalesce = rest.partition("@")
        trees.append((name, Path(path).resolve(), coalesce))
    print(f"{args.creates} creates at {args.rate:g}/s, {args.rounds} rounds; "
          f"load average {os.getloadavg()[0]:.1f}")
    for r in range(args.rounds):
        for name, path, coalesce in trees if r % 2 == 0 else reversed(trees):
            # the tree's registry and zonegen first on the path; this script's helpers too
            env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(path), str(HERE)]))
            command = [sys.executable, __file__, "--one", "--creates", str(args.creates),
                       "--rate", str(args.rate), "--threads", str(args.threads),
                       "--batch", str(args.batch)]
            if coalesce:
                command += ["--coalesce", coalesce]
            out = subprocess.run(command, env=env, cwd=path, capture_output=True, text=True,
                                 timeout=3600, check=False)
            if out.returncode != 0:
                print(f"round {r + 1} {name}: failed\n{out.stderr[-3000:]}")
                continue
            print(f"round {r + 1} {name:<12} {out.stdout.strip().splitlines()[-1]}", flush=True)


if __name__ == "__main__":
    main()
