"""``pyrar rdap serve``: the RDAP server on the registry core."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

from .server import ListenError, serve


def register(subparsers: Any) -> None:
    rdap = subparsers.add_parser("rdap", help="registration data over RDAP (RFC 9082/9083)")
    sub = rdap.add_subparsers(dest="rdap_command", metavar="ACTION", required=True)
    sub.add_parser("serve", help="run the RDAP server ([rdap] host and port)").set_defaults(
        run=_serve)


def _serve(ctx: Any, _args: Any) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    registry = ctx.registry(migrate=True)
    try:
        asyncio.run(serve(ctx.config, registry, ctx.ready))
    except ListenError as e:
        print(f"pyrar: error: {e}", file=sys.stderr)
        return 1
    return 0
