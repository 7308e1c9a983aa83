"""Running the RDAP application: listen (with TLS when configured), report ready, serve
until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import signal
import ssl
from collections.abc import Callable

from aiohttp import web

from registry.config import Config
from registry.service import Registry

from .app import Rdap
from .config import RdapSettings
from .source import RegistrySource


class ListenError(Exception):
    """The port cannot be had; one line for the operator."""


def tls_context(config: Config, settings: RdapSettings) -> ssl.SSLContext | None:
    if not settings.cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(config.resolve(settings.cert), config.resolve(settings.key))
    return context


async def serve(config: Config, registry: Registry, ready: Callable[[], None]) -> None:
    settings = config.section("rdap", RdapSettings)
    runner = web.AppRunner(Rdap(RegistrySource(registry), settings).application(),
                           access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port,
                       ssl_context=tls_context(config, settings), reuse_address=True)
    try:
        await site.start()
    except OSError as e:
        await runner.cleanup()
        raise ListenError(f"RDAP cannot listen on {settings.host}:{settings.port} "
                          f"([rdap] port): {e.strerror or e}") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    ready()
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
