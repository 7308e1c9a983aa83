"""Running the site: the aiohttp application on its port, and the registrar's outbox
consumers (orders, mail, payments) in threads beside it, until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import copy
import logging
import signal
import threading
from collections.abc import Callable

from aiohttp import web

from registrar.config import RegistrarSettings
from registrar.consumers import orders_consumer
from registrar.core import RegistrarCore
from registrar.mailer import Mailer, mail_consumer
from registrar.payments.consumer import payments_consumer
from registrar.payments.service import PaymentService
from registry.config import ClusterSettings
from registry.events.consumer import terminate_process
from registry.leases import REGISTRAR_JOBS, Leadership, LeaseLost

from .app import make_app

log = logging.getLogger("pyrar.webui")


def serve(core: RegistrarCore, mailer: Mailer, payments: PaymentService,
          ready: Callable[[], None] = lambda: None,
          cluster: ClusterSettings | None = None,
          tld_dns: Callable[[str], dict | None] = lambda _tld: None) -> None:
    # on every node: an order is carried out in the core's transaction, once; a payment's
    # provider call carries the provider's idempotency key
    consumers = [orders_consumer(core), payments_consumer(payments)]
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(stop,), name=f"consumer-{c.name}",
                                daemon=True) for c in consumers]
    threads.append(threading.Thread(target=_registrar_jobs, daemon=True,
                                    args=(core, mailer, cluster or ClusterSettings(), stop),
                                    name="registrar-jobs"))
    for t in threads:
        t.start()
    try:
        asyncio.run(_serve_http(lambda: make_app(core, payments, tld_dns), core.settings,
                                ready))
    finally:
        stop.set()
        for c in consumers:
            c.wake()
        for t in threads:
            t.join(timeout=10)
        for c in consumers:
            c.doorbell.close()


def _registrar_jobs(core: RegistrarCore, mailer: Mailer, cluster: ClusterSettings,
                    stop: threading.Event) -> None:
    """Mail and the registrar's lifecycle run once per cluster, on the node holding the
    registrar-jobs lease (registry.leases), their writes fenced by it; another node stands
    by. A lost lease takes the process down (its supervisor starts it again, a standby),
    as a consumer's bug does."""
    leader = Leadership(core.registry, REGISTRAR_JOBS, cluster,
                        on_lost=lambda: terminate_process(LeaseLost(REGISTRAR_JOBS)))
    registry = leader.acquire(stop)
    if registry is None:
        return
    jobs = copy.copy(core)
    jobs.registry = registry
    mail = mail_consumer(registry, mailer)
    mailing = threading.Thread(target=mail.run, args=(stop,), name="consumer-mail",
                               daemon=True)
    mailing.start()
    try:
        _lifecycle(jobs, stop)
    finally:
        mail.wake()
        mailing.join(timeout=10)
        mail.doorbell.close()
        leader.release()


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


async def _serve_http(app: Callable[[], web.Application], settings: RegistrarSettings,
                      ready: Callable[[], None]) -> None:
    runner = web.AppRunner(app(), access_log=None)
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
