"""``pyrar rdap serve`` and ``pyrar whois serve``: the registration data services, each
started on the registry core and run until SIGTERM or SIGINT (RDAP in ``[rdap] workers``
processes: pyrar/cli/rdap_workers.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rdap import server as rdap_server
from rdap.config import RdapSettings
from whoisd import server as whois_server

from .context import CliError
from .rdap_workers import serve_workers
from .service_loop import Stop, until_stopped

Starter = Callable[[Any, Any], Awaitable[Stop]]


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
            if (start is rdap_server.start
                    and ctx.config.section("rdap", RdapSettings).workers > 1):
                serve_workers(ctx)
                return
            asyncio.run(until_stopped(lambda: start(ctx.config, registry), ctx.ready))
        except (rdap_server.ListenError, whois_server.ListenError) as e:
            raise CliError(str(e)) from None
    return run
