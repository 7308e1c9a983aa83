"""``pyrar serve``: run every component of the sandbox (EPP, DNS publication, scheduler)."""

from __future__ import annotations

from sqlalchemy import select

from .context import CliError
from .eppd import WORKERS


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="run every component (EPP, zonegen, scheduler)")
    p.add_argument("--workers", type=WORKERS, metavar="N", help="EPP worker processes")
    p.set_defaults(run=run_serve)


def run_serve(ctx, args) -> int:
    from pyrar.components import ServeOptions, configured
    from pyrar.serve import serve
    from pyrar.serve_endpoints import PortsTaken
    from registry.models import Tld

    # migrated once here, before the components start (each would otherwise race to)
    registry = ctx.registry(migrate=True)
    tlds = registry.run(lambda c: list(c.session.scalars(select(Tld.name).order_by(Tld.name))))
    ctx.close()  # serve itself holds no database connection while it supervises
    try:
        return serve(ctx.config, ServeOptions(args.workers, tuple(tlds)),
                     configured(ctx.config), notifier=ctx.notifier)
    except PortsTaken as e:
        raise CliError(str(e)) from None
