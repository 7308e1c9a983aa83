"""``pyrar rdap serve`` and ``pyrar whois serve``: the registration data services, each
started on the registry core and run until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from rdap import server as rdap_server
from whoisd import server as whois_server

from .context import CliError

Starter = Callable[[Any, Any], Awaitable[Callable[[], Awaitable[None]]]]


def register(subparsers) -> None:
    for name, help_text, starter in (
            ("rdap", "registration data over RDAP (RFC 9082/9083)", rdap_server.start),
            ("whois", "registration data over WHOIS (RFC 3912), for TLDs with whois_enabled",
             whois_server.start)):
        sub = subparsers.add_parser(name, help=help_text).add_subparsers(
            dest=f"{name}_command", metavar="ACTION", required=True)
        sub.add_parser("serve", help=f"run the {name.upper()} server ([{name}] host and "
                                     "port)").set_defaults(run=_serving(starter))


def _serving(start: Starter) -> Callable[[Any, Any], None]:
    def run(ctx, _args) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        registry = ctx.registry(migrate=True)
        try:
            asyncio.run(_until_stopped(start, ctx, registry))
        except (rdap_server.ListenError, whois_server.ListenError) as e:
            raise CliError(str(e)) from None
    return run


async def _until_stopped(start: Starter, ctx, registry) -> None:
    stop_service = await start(ctx.config, registry)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopped.set)
    ctx.ready()
    try:
        await stopped.wait()
    finally:
        await stop_service()
