"""``pyrar eppd``: the EPP server on the registry core."""

from __future__ import annotations

from pyrar.cli.context import CliError


def register(subparsers) -> None:
    p = subparsers.add_parser("eppd", help="run the EPP server (RFC 5730-5734)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="worker processes sharing the port (default: [eppd] workers)")
    p.set_defaults(run=run_eppd)


def run_eppd(ctx, args) -> int:
    from eppd.core_backend import make_core_backend
    from eppd.listener import ListenError
    from eppd.server import run

    if args.workers is not None and args.workers < 1:
        raise CliError("--workers must be at least 1")
    # Upgrade the schema once, here, rather than racing from every worker.
    ctx.registry(migrate=True)
    ctx.close()
    try:
        return run(ctx.config, make_core_backend, args.workers)
    except ListenError as e:
        raise CliError(str(e)) from None
