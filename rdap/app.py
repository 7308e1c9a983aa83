"""The RDAP HTTP application (aiohttp): routes RFC 9082 queries to the source, renders RFC
9083 answers. Every response carries CORS and cache headers; errors get RFC 9083 bodies."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from registry.query_counts import QueryCounter
from registry.rate_limit import RateLimiter
from registry.rdds_source import RegistrySource

from . import render
from .config import RdapSettings
from .profile import MEDIA_TYPE, Site
from .queries import (
    BadQuery,
    NotOurs,
    address,
    domain_name,
    domain_pattern,
    entity_pattern,
    host_name,
    host_pattern,
)

log = logging.getLogger("pyrar.rdap")
TITLES = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
          429: "Too Many Requests", 500: "Internal Server Error", 501: "Not Implemented"}
CORS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT = {**CORS, "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
             "Access-Control-Allow-Headers": "Accept, Content-Type", "Access-Control-Max-Age":
             "86400"}


class NotFound(Exception):
    """404 with the message as the error's description."""


class Rdap:
    def __init__(self, source: RegistrySource, settings: RdapSettings,
                 limiter: RateLimiter | None = None, counter: QueryCounter | None = None
                 ) -> None:
        self.source, self.settings = source, settings
        self.counter = counter  # each query answered (not those refused for their rate)
        self.site = Site(settings.public_base, settings.terms_url)
        self.profile = settings.profile
        self.limiter = limiter or RateLimiter(settings.rate_per_second, settings.rate_burst)
        self.executor = ThreadPoolExecutor(settings.read_threads, "rdap-read")

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._framing])
        app.router.add_get("/domain/{name}", self.domain)
        app.router.add_get("/nameserver/{name}", self.nameserver)
        app.router.add_get("/entity/{handle}", self.entity)
        app.router.add_get("/domains", self.domains)
        app.router.add_get("/nameservers", self.nameservers)
        app.router.add_get("/entities", self.entities)
        app.router.add_get("/help", self.help)
        for path in ("/ip/{tail:.*}", "/autnum/{tail:.*}"):
            app.router.add_get(path, self.not_implemented)
        app.on_cleanup.append(self._close)
        return app

    async def _close(self, _app: web.Application) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def _read(self, work: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, work, *args)

    # -- queries ------------------------------------------------------------------------

    async def domain(self, request: web.Request) -> web.Response:
        name = domain_name(request.match_info["name"])
        record = await self._read(self.source.domain, name)
        if record is None:
            raise NotFound(f"{name} is not registered here")
        body = render.domain_response(record, self.site, self.source.now(),
                                      self.settings.port43)
        return self._answer(200, body)

    async def nameserver(self, request: web.Request) -> web.Response:
        name = host_name(request.match_info["name"])
        host = await self._read(self.source.nameserver, name)
        if host is None:
            raise NotFound(f"no name server {name} here")
        return self._answer(200, render.nameserver_response(
            host, self.site, self.source.now(), self.profile))

    async def entity(self, request: web.Request) -> web.Response:
        handle = request.match_info["handle"]
        registrar = await self._read(self.source.registrar, handle)
        if registrar is None:
            raise NotFound(f"no registrar {handle} here (contacts are shown in their domains)")
        return self._answer(200, render.registrar_response(
            registrar, self.site, self.source.now(), self.profile))

    async def domains(self, request: web.Request) -> web.Response:
        pattern = domain_pattern(self._parameter(request, ("name",)))
        limit = self.settings.search_limit
        found = await self._read(self.source.search_domains, pattern.prefix, pattern.tld,
                                 1 if pattern.exact else limit + 1)
        if pattern.exact:
            found = [r for r in found if r.name == pattern.prefix]
        if not found:
            raise NotFound("no domain matches")
        return self._answer(200, render.domain_search_response(
            found[:limit], len(found) > limit, limit, self.site, self.source.now(),
            self.profile, str(request.url)))

    async def nameservers(self, request: web.Request) -> web.Response:
        limit = self.settings.search_limit
        key = self._parameter(request, ("name", "ip"))
        if "ip" in request.query:
            found = await self._read(self.source.nameservers_at, address(key), limit + 1)
        else:
            pattern = host_pattern(key)
            found = await self._read(self.source.search_nameservers, pattern.prefix,
                                     1 if pattern.exact else limit + 1)
            if pattern.exact:
                found = [h for h in found if h.name == pattern.prefix]
        if not found:
            raise NotFound("no name server matches")
        return self._answer(200, render.nameserver_search_response(
            found[:limit], len(found) > limit, limit, self.site, self.profile,
            str(request.url)))

    async def entities(self, request: web.Request) -> web.Response:
        key = self._parameter(request, ("fn", "handle"))
        by = "fn" if "fn" in request.query else "handle"
        pattern = entity_pattern(key)
        limit = self.settings.search_limit
        found = await self._read(self.source.search_registrars, by, pattern.prefix,
                                 pattern.exact, limit + 1)
        if not found:
            raise NotFound("no registrar matches (contacts are shown in their domains)")
        return self._answer(200, render.entity_search_response(
            found[:limit], len(found) > limit, limit, self.site, self.profile,
            str(request.url)))

    async def help(self, _request: web.Request) -> web.Response:
        return self._answer(200, render.help_response(self.site, self.profile))

    async def not_implemented(self, request: web.Request) -> web.Response:
        return self._error(501, f"{request.path} queries are not served by this domain "
                                "registry")

    @staticmethod
    def _parameter(request: web.Request, names: tuple[str, ...]) -> str:
        given = [n for n in names if n in request.query]
        if len(given) != 1:
            raise BadQuery(f"give exactly one of: {', '.join(names)}")
        value = request.query[given[0]]
        if not value.strip():
            raise BadQuery(f"{given[0]} is empty")
        return value

    # -- framing ------------------------------------------------------------------------

    @web.middleware
    async def _framing(self, request: web.Request, handler) -> web.StreamResponse:
        if request.method == "OPTIONS":
            return web.Response(status=204, headers=PREFLIGHT)
        wait = self.limiter.admit(request.remote or "")
        if wait:
            response = self._error(429, "too many queries from your address; slow down")
            response.headers["Retry-After"] = str(math.ceil(wait))
            return response
        if self.counter is not None:
            self.counter.count("rdap")
        try:
            return await handler(request)
        except BadQuery as e:
            return self._error(400, str(e))
        except (NotFound, NotOurs) as e:
            return self._error(404, str(e))
        except web.HTTPMethodNotAllowed:
            return self._error(405, f"{request.method} is not allowed; RDAP is GET and HEAD")
        except web.HTTPNotFound:  # no route: a query RFC 9082 does not define
            return self._error(400, f"{request.path} is not an RDAP query")
        except Exception:
            log.exception("RDAP query %s failed", request.path_qs)
            return self._error(500, "the query could not be answered; try again later")

    def _answer(self, status: int, body: dict) -> web.Response:
        cache = {200: self.settings.cache_seconds, 404: self.settings.not_found_cache_seconds}
        headers = dict(CORS)
        headers["Cache-Control"] = (f"public, max-age={cache[status]}" if status in cache
                                    else "no-store")
        return web.Response(status=status, headers=headers, content_type=MEDIA_TYPE,
                            body=json.dumps(body, ensure_ascii=False).encode())

    def _error(self, status: int, description: str) -> web.Response:
        return self._answer(status, render.error_response(
            status, TITLES[status], description, self.profile))
