"""Starting the RDAP application: listen, with TLS when configured (``pyrar rdap serve``
runs it until stopped).

With ``[rdap] workers`` above 1, the starting process binds the port once
(``listening_socket``: a port in use fails at once, and a second server started by mistake
cannot share it as SO_REUSEPORT would let it) and every worker process serves that socket
(``start(..., sock=...)``), the kernel handing each connection to one of the workers
waiting in accept.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable

from aiohttp import web

from registry.config import Config
from registry.query_counts import QueryCounter, flush_logged, flush_periodically
from registry.rate_limit import RateLimiter
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


def listening_socket(settings: RdapSettings) -> socket.socket:
    """The port, bound and listening, for the workers to share."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    try:
        return socket.create_server((settings.host, settings.port), family=family,
                                    backlog=1024)
    except OSError as e:
        raise ListenError(f"RDAP cannot listen on {settings.host}:{settings.port} "
                          f"([rdap] port): {e.strerror or e}") from None


async def start(config: Config, registry: Registry, sock: socket.socket | None = None
                ) -> Callable[[], Awaitable[None]]:
    """Listening once this returns (on ``sock`` when given: a worker's); the result stops
    it."""
    settings = config.section("rdap", RdapSettings)
    counter = QueryCounter(registry.clock)
    share = settings.workers if sock is not None else 1
    limiter = RateLimiter(settings.rate_per_second / share,
                          max(1, settings.rate_burst // share))
    runner = web.AppRunner(Rdap(RegistrySource(registry), settings, limiter, counter)
                           .application(), access_log=None)
    await runner.setup()
    context = tls_context(config, settings)
    site = (web.SockSite(runner, sock, ssl_context=context) if sock is not None else
            web.TCPSite(runner, settings.host, settings.port, ssl_context=context,
                        reuse_address=True))
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
