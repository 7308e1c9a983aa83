"""``pyrar health serve`` (the HTTP endpoint a load balancer checks, ``[health]``) and
``pyrar health check`` (the same verdict once, for scripts: exit 0 healthy, 1 not)."""

from __future__ import annotations

import asyncio
import functools
import logging

from pyrar import health_http
from pyrar.health import HealthSettings, probe
from registry.db import database_url

from .context import CliError
from .service_loop import until_stopped


def register(subparsers) -> None:
    sub = subparsers.add_parser(
        "health", help="whether this node should get clients (database, Galera state)"
    ).add_subparsers(dest="health_command", metavar="ACTION", required=True)
    sub.add_parser("serve", help="answer HTTP 200 when healthy, 503 and why when not "
                                 "([health] host and port)").set_defaults(run=_serve)
    sub.add_parser("check", help="say once whether this node is healthy (exit status 1: "
                                 "not)").set_defaults(run=_check)


def _checker(ctx):
    settings = ctx.config.section("health", HealthSettings)
    return settings, functools.partial(probe, database_url(ctx.config),
                                       settings.timeout_seconds)


def _serve(ctx, _args) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings, check = _checker(ctx)
    try:
        asyncio.run(until_stopped(lambda: health_http.start(settings, check), ctx.ready))
    except health_http.ListenError as e:
        raise CliError(str(e)) from None


def _check(ctx, _args) -> int:
    _settings, check = _checker(ctx)
    health = check()
    if not health.healthy:
        raise CliError(f"unhealthy: {health.reason}")
    print(f"healthy: {health.reason}")
    return 0
