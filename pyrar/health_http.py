"""The health endpoint over HTTP (``pyrar health serve``): any GET is answered 200 when the
node is healthy (pyrar/health.py), else 503, the reason as the body and as the status line's
phrase (HAProxy's log shows the phrase when it marks a node down). Only the framing here."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from pyrar.health import Health, HealthSettings


class ListenError(Exception):
    """The port is taken or the address is not this machine's."""


async def start(settings: HealthSettings, check: Callable[[], Health]
                ) -> Callable[[], Awaitable[None]]:
    """Listening once this returns; the result stops it. ``check`` blocks (it reads the
    database), so each request runs it in a thread."""

    async def answer(_request: web.Request) -> web.Response:
        health = await asyncio.to_thread(check)
        # the status line carries ASCII only (a driver's message may hold a name that is not)
        phrase = health.reason.encode("ascii", "replace").decode()
        return web.Response(status=200 if health.healthy else 503, text=health.reason + "\n",
                            reason=phrase)

    application = web.Application()
    application.router.add_get("/{path:.*}", answer)
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port, reuse_address=True)
    try:
        await site.start()
    except OSError as e:
        await runner.cleanup()
        raise ListenError(f"the health endpoint cannot listen on {settings.host}:"
                          f"{settings.port} ([health] port): {e.strerror or e}") from None
    return runner.cleanup
