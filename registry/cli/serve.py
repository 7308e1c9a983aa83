"""``pyrar serve``: run every component of the sandbox (EPP, DNS publication, scheduler)."""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="run every component (EPP, zonegen, scheduler)")
    p.add_argument("--workers", type=int, help="EPP worker processes")
    p.set_defaults(run=run_serve)


def run_serve(ctx, args) -> int:
    from ..serve import serve

    ctx.registry(migrate=True)
    return serve(ctx.config, workers=args.workers)
