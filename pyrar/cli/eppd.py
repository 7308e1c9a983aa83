"""``pyrar eppd``: the EPP server on the registry core."""

from __future__ import annotations

from dataclasses import dataclass

from pyrar.readiness import ReadyNotifier
from registry.config import Config

from .arguments import whole_number
from .context import CliError

WORKERS = whole_number(1, 256)


def register(subparsers) -> None:
    p = subparsers.add_parser("eppd", help="run the EPP server (RFC 5730-5734)")
    p.add_argument("--workers", type=WORKERS, metavar="N",
                   help="worker processes sharing the port (default: [eppd] workers)")
    p.set_defaults(run=run_eppd)


@dataclass(frozen=True)
class ReadyWhenServing:
    """eppd's backend factory: the core backend, built once in every worker process, and a
    readiness report when that worker's reactor starts, by which time it accepts on the
    shared port (``eppd.worker.run_worker`` builds the backend, listens, then runs the
    reactor). One worker serving is enough: the others take no connection until they
    serve too. Picklable, as workers are spawned."""

    notifier: ReadyNotifier

    def __call__(self, config: Config):
        from twisted.internet import reactor

        from eppd.core_backend import make_core_backend

        backend = make_core_backend(config)
        reactor.callWhenRunning(self.notifier.ready)
        return backend


def run_eppd(ctx, args) -> int:
    from eppd.listener import ListenError
    from eppd.server import run

    # Upgrade the schema once, here, rather than racing from every worker.
    ctx.registry(migrate=True)
    ctx.close()
    try:
        return run(ctx.config, ReadyWhenServing(ctx.notifier), args.workers)
    except ListenError as e:
        raise CliError(str(e)) from None
