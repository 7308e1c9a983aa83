"""The WHOIS server (RFC 3912): per connection one query line (CRLF), the answer, close
(``pyrar whois serve`` runs it until stopped)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from registry.config import Config
from registry.query_counts import QueryCounter, flush_logged, flush_periodically
from registry.rate_limit import RateLimiter
from registry.rdds_source import RegistrySource
from registry.service import Registry

from . import render
from .config import WhoisSettings
from .lookup import answer

log = logging.getLogger("pyrar.whois")


class ListenError(Exception):
    """The port cannot be had; one line for the operator."""


class Whois:
    def __init__(self, source: RegistrySource, settings: WhoisSettings,
                 limiter: RateLimiter | None = None, counter: QueryCounter | None = None
                 ) -> None:
        self.source, self.settings = source, settings
        self.counter = counter  # each query answered (not those refused for their rate)
        self.limiter = limiter or RateLimiter(settings.rate_per_second, settings.rate_burst)
        self.executor = ThreadPoolExecutor(settings.read_threads, "whois-read")

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        try:
            text = await self._answer(reader, peer[0] if peer else "")
            writer.write(text.encode("utf-8"))
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception:
            log.exception("WHOIS query from %s failed", peer)
        finally:
            writer.close()

    async def _answer(self, reader: asyncio.StreamReader, address: str) -> str:
        try:
            line = await asyncio.wait_for(reader.readuntil(b"\n"), self.settings.query_seconds)
        except TimeoutError:
            return render.refusal("No query received.")
        except asyncio.LimitOverrunError:
            return render.refusal("Query too long.")
        # read first even when refused: closing on an unread query would reset the
        # connection, and the client would never see why
        if self.limiter.admit(address):
            return render.refusal("Too many queries from your address; try again later.")
        if self.counter is not None:
            self.counter.count("whois")
        try:
            query = line.decode("utf-8").strip()
        except UnicodeDecodeError:
            return render.refusal("Queries are UTF-8 text.")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, answer, self.source, query,
                                          self.settings.rdap_url)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def start(self) -> asyncio.Server:
        try:
            return await asyncio.start_server(
                self.handle, self.settings.host, self.settings.port,
                limit=self.settings.max_query_bytes, reuse_address=True)
        except OSError as e:
            raise ListenError(f"WHOIS cannot listen on {self.settings.host}:"
                              f"{self.settings.port} ([whois] port): {e.strerror or e}") from None


async def start(config: Config, registry: Registry) -> Callable[[], Awaitable[None]]:
    """Listening once this returns; the result stops it."""
    counter = QueryCounter(registry.clock)
    whois = Whois(RegistrySource(registry), config.section("whois", WhoisSettings),
                  counter=counter)
    server = await whois.start()
    flushing = asyncio.create_task(flush_periodically(counter, registry))

    async def stop() -> None:
        flushing.cancel()
        server.close()
        await server.wait_closed()
        whois.close()
        await flush_logged(counter, registry)
    return stop
