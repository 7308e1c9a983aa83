"""``pyrar events list|retry|stats``: the outbox's rows, its dead letters and their replay."""

from __future__ import annotations

import json
from datetime import datetime

from registry.admin.events import event_stats, list_events, retry_dead, retry_events

from .context import CliError


def register(subparsers) -> None:
    events = subparsers.add_parser("events", help="the outbox: events waiting for their "
                                   "consumers, dead letters").add_subparsers(
        dest="events_command", metavar="ACTION", required=True)
    ls = events.add_parser("list", help="list events, oldest first")
    ls.add_argument("--consumer", metavar="NAME")
    ls.add_argument("--dead", action="store_true", help="only dead-lettered events")
    ls.add_argument("--limit", type=int, default=50)
    ls.set_defaults(run=run_list)
    retry = events.add_parser("retry", help="deliver events again now, attempts reset")
    retry.add_argument("ids", nargs="*", type=int, metavar="ID")
    retry.add_argument("--dead", action="store_true", help="every dead-lettered event")
    retry.add_argument("--consumer", metavar="NAME", help="with --dead: only this consumer's")
    retry.set_defaults(run=run_retry)
    events.add_parser("stats", help="per consumer: live, due, backing off, dead, oldest "
                                    "age").set_defaults(run=run_stats)


def _when(value: datetime | None) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M:%S}"


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."


def run_list(ctx, args) -> None:
    rows = ctx.task(lambda c: list_events(c, consumer=args.consumer, dead=args.dead,
                                          limit=args.limit))
    if not rows:
        print("no events")
        return
    print(f"{'id':>8} {'consumer':<10} {'kind':<14} {'created':<19} {'tries':>5} "
          f"{'next attempt / dead since':<26} error | payload")
    for r in rows:
        state = (f"dead {_when(r.dead_at)}" if r.dead_at is not None
                 else _when(r.not_before) if r.not_before is not None else "due")
        payload = _short(json.dumps(r.payload, separators=(",", ":")), 60)
        print(f"{r.id:>8} {r.consumer:<10} {r.kind:<14} {_when(r.created_at):<19} "
              f"{r.attempts:>5} {state:<26} {_short(r.last_error or '-', 60)} | {payload}")


def run_retry(ctx, args) -> None:
    if args.dead == bool(args.ids):
        raise CliError("give event ids or --dead, not both nor neither")
    if args.consumer is not None and not args.dead:
        raise CliError("--consumer goes with --dead")
    if args.dead:
        count = ctx.task(lambda c: retry_dead(c, args.consumer), "events_retry")
    else:
        count = ctx.task(lambda c: retry_events(c, args.ids), "events_retry")
    print(f"{count} event(s) due again now")


def run_stats(ctx, args) -> None:
    def work(c):
        return c.now, event_stats(c)
    now, stats = ctx.task(work)
    print(f"{'consumer':<12} {'live':>8} {'due':>8} {'backing off':>12} {'dead':>8} "
          f"oldest live")
    for s in stats:
        age = "-" if s.oldest is None else f"{(now - s.oldest).total_seconds():.0f} s"
        print(f"{s.consumer:<12} {s.live:>8} {s.due:>8} {s.backing_off:>12} {s.dead:>8} "
              f"{age}")
