"""Starting the RDAP application: listen, with TLS when configured (``pyrar rdap serve``
runs it until stopped)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable

from aiohttp import web

from registry.config import Config
from registry.query_counts import QueryCounter, flush_logged, flush_periodically
from registry.rdds_source import RegistrySource
from registry.service import Registry

from .app import Rdap
from .config import RdapSettings


class ListenError(Exception):
    """The port cannot be had; one line for the operator."""


def tls_context(config: Config, settings: RdapSettings) -> ssl.SSLContext | None:
    if not settings.cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(config.resolve(settings.cert), config.resolve(settings.key))
    return context


async def start(config: Config, registry: Registry) -> Callable[[], Awaitable[None]]:
    """Listening once this returns; the result stops it."""
    settings = config.section("rdap", RdapSettings)
    counter = QueryCounter(registry.clock)
    runner = web.AppRunner(Rdap(RegistrySource(registry), settings, counter=counter)
                           .application(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port,
                       ssl_context=tls_context(config, settings), reuse_address=True)
    try:
        await site.start()
    except OSError as e:
        await runner.cleanup()
        raise ListenError(f"RDAP cannot listen on {settings.host}:{settings.port} "
                          f"([rdap] port): {e.strerror or e}") from None
    flushing = asyncio.create_task(flush_periodically(counter, registry))

    async def stop() -> None:
        flushing.cancel()
        await runner.cleanup()
        await flush_logged(counter, registry)
    return stop
