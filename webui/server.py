"""Running the site: the aiohttp application on its port, and the registrar's outbox
consumers (orders, mail) in threads beside it, until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable

from aiohttp import web

from registrar.consumers import orders_consumer
from registrar.core import RegistrarCore
from registrar.mailer import Mailer, mail_consumer

from .app import make_app

log = logging.getLogger("pyrar.webui")


def serve(core: RegistrarCore, mailer: Mailer,
          ready: Callable[[], None] = lambda: None) -> None:
    consumers = [orders_consumer(core), mail_consumer(core.registry, mailer)]
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(stop,), name=f"consumer-{c.name}",
                                daemon=True) for c in consumers]
    for t in threads:
        t.start()
    try:
        asyncio.run(_serve_http(core, ready))
    finally:
        stop.set()
        for c in consumers:
            c.wake()
        for t in threads:
            t.join(timeout=10)
        for c in consumers:
            c.doorbell.close()


async def _serve_http(core: RegistrarCore, ready: Callable[[], None]) -> None:
    settings = core.settings
    runner = web.AppRunner(make_app(core), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    try:
        await site.start()
    except OSError as e:
        await runner.cleanup()
        raise SystemExit(f"pyrar: error: cannot listen on {settings.host}:{settings.port} "
                         f"([registrar] port): {e.strerror}") from None
    print(f"web: the registrar site and its API at {settings.site_url}/api/ "
          f"(listening on {settings.host}:{settings.port})", flush=True)
    ready()
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, done.set)
    try:
        await done.wait()
    finally:
        await runner.cleanup()
