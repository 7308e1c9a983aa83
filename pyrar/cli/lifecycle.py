"""``pyrar lifecycle run``: apply due lifecycle events to domains nobody touched."""

from __future__ import annotations

import signal
import threading

from registry.leases import LIFECYCLE
from registry.scheduler import run_due

from .arguments import seconds, whole_number
from .leadership import singleton


def register(subparsers) -> None:
    life = subparsers.add_parser("lifecycle", help="time-driven domain lifecycle").add_subparsers(
        dest="lifecycle_command", metavar="ACTION", required=True)
    run = life.add_parser("run", help="apply everything due now (auto-renew, transfers, purge)")
    run.add_argument("--batch", type=whole_number(1, 100_000), default=500)
    run.add_argument("--every", type=seconds(1, 86_400), metavar="SECONDS",
                     help="keep running, once every SECONDS (what 'pyrar serve' does); on "
                     "several nodes, on the one holding the lifecycle lease")
    run.set_defaults(run=run_lifecycle)


def run_lifecycle(ctx, args) -> None:
    if not args.every:  # the operator's own run, beside the service's if one runs
        _rounds(ctx, args, ctx.registry(), threading.Event())
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with singleton(ctx, LIFECYCLE, stop) as leader:
        if leader is not None:
            _rounds(ctx, args, leader.fenced, stop)


def _rounds(ctx, args, registry, stop: threading.Event) -> None:
    first = True
    while True:
        report = run_due(registry, batch=args.batch)
        # with --every an idle round is quiet, but the first one shows the scheduler runs
        if first or report.domains or report.contacts or report.failed:
            print(f"lifecycle: {report.domains} domain(s), {report.contacts} contact "
                  f"transfer(s) settled, {report.pruned} expired grace period(s) pruned"
                  + (f", {report.failed} failed" if report.failed else "")
                  + (f"; again every {args.every:g} s" if first and args.every else ""),
                  flush=True)
        if first:
            ctx.ready()  # the database answers and the schema is current: it runs
        first = False
        if not args.every or stop.wait(args.every):
            return
