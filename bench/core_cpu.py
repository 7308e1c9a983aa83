"""CPU per command in the registry core, in-process: create, a create refused because the
name is taken (the drop-catch case), and domain infos in batches of B (as eppd batches them).

Process time rather than rates: on a machine whose speed drifts, the least of a few rounds
is steadier than flows per second, and it is what a change to a flow moves::

    .venv/bin/python bench/core_cpu.py [--db URL] [--rounds 3] [--batch 1,2,4] [--counted 300]

Without --db it creates (and drops) a fresh MariaDB database on 127.0.0.1:3306. Then, for
``--counted`` more creates and refused creates, what a loaded machine does not move: Python
calls (cProfile) and statements sent to the server (round trips, COMMIT included) per
command.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
import uuid
from collections.abc import Callable

from core import AUTH, bench_database, setup
from pymysql.connections import Connection

from registry.errors import EppError
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_info import DomainInfoQuery
from registry.values import Trid

INFO_DOMAINS = 40


def least_cpu(rounds: int, commands: int, run: Callable[[int], int]) -> float:
    """The least over ``rounds`` of this thread's CPU microseconds per command; ``run(n)``
    runs the n-th unit of work and returns how many commands it was."""
    best = float("inf")
    counter = 0
    for _ in range(rounds):
        done, started = 0, time.thread_time()
        while done < commands:
            done += run(counter)
            counter += 1
        best = min(best, (time.thread_time() - started) / done * 1e6)
    return best


def counted(commands: int, run: Callable[[int], int], first: int) -> tuple[float, float]:
    """Python calls and round trips to the database per command, over ``commands``
    commands; ``first``: the unit of work to start at (names not used before)."""
    sent = [0]
    send = Connection._execute_command

    def counting(self, command, sql):
        sent[0] += 1
        return send(self, command, sql)

    Connection._execute_command = counting
    profile = cProfile.Profile()
    try:
        done, n = 0, first
        profile.enable()
        while done < commands:
            done += run(n)
            n += 1
        profile.disable()
    finally:
        Connection._execute_command = send
    return pstats.Stats(profile).total_calls / done, sent[0] / done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a fresh MariaDB database)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--commands", type=int, default=300, help="per round")
    parser.add_argument("--batch", default="1,2,4", help="infos per batch, comma-separated")
    parser.add_argument("--counted", type=int, default=300,
                        help="creates whose Python calls and round trips are counted (0: none)")
    args = parser.parse_args()
    with bench_database(args.db) as url:
        registry, actor = setup(url)
        print(f"core CPU per command against {registry.db.dialect} ({url.split('@')[-1]}), "
              f"least of {args.rounds} rounds")
        run = uuid.uuid4().hex[:6]

        def create(n: int) -> int:
            registry.execute(DomainCreate(f"{run}-{n}.bench", authinfo=AUTH), actor)
            return 1

        def refused(_n: int) -> int:
            try:
                registry.execute(DomainCreate(f"{run}-0.bench", authinfo=AUTH), actor)
            except EppError as e:
                assert e.code == 2302, e
            return 1

        creates = (("create", create), ("create of a taken name", refused))
        for name, work in creates:
            work(10**9)  # warm-up, a name the rounds never use: the statement caches fill
            print(f"{name:<24} {least_cpu(args.rounds, args.commands, work):8.0f} us")
        if args.counted and registry.db.dialect in ("mysql", "mariadb"):
            for name, work in creates:
                calls, trips = counted(args.counted, work, 10**9 + 1)
                print(f"{name:<24} {calls:8.0f} Python calls, {trips:.2f} round trips")
        for b in (int(b) for b in args.batch.split(",")):
            def infos(n: int, b: int = b) -> int:
                registry.execute_batch([
                    (DomainInfoQuery(f"{run}-{(n * b + i) % INFO_DOMAINS}.bench"), actor,
                     Trid.new()) for i in range(b)])
                return b
            infos(0)
            print(f"{f'info, {b} a batch':<24} "
                  f"{least_cpu(args.rounds, args.commands, infos):8.0f} us")
        registry.close()


if __name__ == "__main__":
    main()
