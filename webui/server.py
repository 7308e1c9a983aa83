"""Running the site: the aiohttp application on its port, and the registrar's outbox
consumers (orders, mail, payments) in threads beside it, until SIGTERM or SIGINT."""

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
from registrar.payments.consumer import payments_consumer
from registrar.payments.service import PaymentService

from .app import make_app

log = logging.getLogger("pyrar.webui")


def serve(core: RegistrarCore, mailer: Mailer, payments: PaymentService,
          ready: Callable[[], None] = lambda: None) -> None:
    consumers = [orders_consumer(core), mail_consumer(core.registry, mailer),
                 payments_consumer(payments)]
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(stop,), name=f"consumer-{c.name}",
                                daemon=True) for c in consumers]
    threads.append(threading.Thread(target=_lifecycle, args=(core, stop), daemon=True,
                                    name="registrar-lifecycle"))
    for t in threads:
        t.start()
    try:
        asyncio.run(_serve_http(core, payments, ready))
    finally:
        stop.set()
        for c in consumers:
            c.wake()
        for t in threads:
            t.join(timeout=10)
        for c in consumers:
            c.doorbell.close()


def _lifecycle(core: RegistrarCore, stop: threading.Event) -> None:
    """The registrar's lifecycle (registrar/lifecycle.py) every ``lifecycle_seconds``; a
    failed round (the database away, say) is logged and tried at the next."""
    while not stop.is_set():
        try:
            report = core.run_lifecycle()
            if report.messages or report.renewed or report.failed or report.reminders:
                log.info("registrar lifecycle: %s", report)
        except Exception as e:
            log.warning("registrar lifecycle round failed: %s", e)
        stop.wait(core.settings.lifecycle_seconds)


async def _serve_http(core: RegistrarCore, payments: PaymentService,
                      ready: Callable[[], None]) -> None:
    settings = core.settings
    runner = web.AppRunner(make_app(core, payments), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    try:
        await site.start()
    except OSError as e:
        await runner.cleanup()
        raise SystemExit(f"pyrar: error: cannot listen on {settings.host}:{settings.port} "
                         f"([registrar] port): {e.strerror}") from None
    print(f"web: the registrar site at {settings.site_url}/, its API at {settings.site_url}/api/ "
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
