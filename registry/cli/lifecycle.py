"""``pyrar lifecycle run``: apply due lifecycle events to domains nobody touched."""

from __future__ import annotations

from ..scheduler import run_due


def register(subparsers) -> None:
    life = subparsers.add_parser("lifecycle", help="time-driven domain lifecycle").add_subparsers(
        dest="lifecycle_command", metavar="ACTION", required=True)
    run = life.add_parser("run", help="apply everything due now (auto-renew, transfers, purge)")
    run.add_argument("--batch", type=int, default=500)
    run.set_defaults(run=run_lifecycle)


def run_lifecycle(ctx, args) -> None:
    report = run_due(ctx.registry(), batch=args.batch)
    print(f"lifecycle: {report.domains} domain(s), {report.contacts} contact transfer(s) "
          f"settled, {report.pruned} expired grace period(s) pruned")
