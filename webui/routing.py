"""The API's routes, declared once: aiohttp's router and the OpenAPI document are both built
from this table, so the document cannot drift from what is served."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from registrar.core import RegistrarCore
from registrar.errors import InvalidInput
from registrar.views import Principal

from .security import client_address, require_operator, require_user

MAX_BODY = 64 * 1024


@dataclass
class Call:
    """What a handler gets: the request, its JSON body, who sent it, and the core."""

    request: web.Request
    core: RegistrarCore
    principal: Principal | None
    body: dict
    app: web.Application

    @property
    def user(self) -> Principal:
        return require_user(self.principal)

    @property
    def operator(self) -> Principal:
        return require_operator(self.principal)

    @property
    def address(self) -> str:
        return client_address(self.request)

    async def run(self, fn: Callable[..., Any], *args, **kwargs) -> Any:
        """The core is synchronous (database, argon2): off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(
            None, functools.partial(fn, *args, **kwargs))

    def query(self, name: str) -> str | None:
        return self.request.query.get(name)

    def int_path(self, name: str) -> int:
        text = self.request.match_info[name]
        if not text.isdigit() or len(text) > 18:
            raise InvalidInput(f"{name} must be a whole number", field=name)
        return int(text)


Handler = Callable[[Call], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    auth: str  # "none", "user", "operator"
    body: dict | None = None  # JSON schema of the request body
    response: dict | None = None  # JSON schema of the success response
    status: int = 200
    params: tuple[dict, ...] = ()
    tag: str = "account"
    # what an API key needs for it beyond "read" (which every GET needs); None: a session
    # only (account, security and key management are never for keys)
    scope: str | None = None


@dataclass
class Api:
    routes: list[Route] = field(default_factory=list)

    def route(self, method: str, path: str, summary: str, *, auth: str = "user",
              body: dict | None = None, response: dict | None = None, status: int = 200,
              params: tuple[dict, ...] = (), tag: str = "account", scope: str | None = None):
        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, path, handler, summary, auth, body, response,
                                     status, params, tag, scope))
            return handler
        return register


async def read_bounded(request: web.Request, limit: int) -> bytes | None:
    """The raw body, or None when it is longer than ``limit`` bytes (read no further)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = b""
    while len(body) <= limit:  # read(n) answers what has arrived so far, not n bytes
        chunk = await request.content.read(limit + 1 - len(body))
        if not chunk:
            break
        body += chunk
    return body if len(body) <= limit else None


async def read_body(request: web.Request) -> dict:
    if not request.can_read_body:
        return {}
    if request.content_type != "application/json":
        raise InvalidInput("send the request body as JSON (Content-Type: application/json)")
    raw = await read_bounded(request, MAX_BODY)
    if raw is None:
        raise InvalidInput(f"the request body is larger than {MAX_BODY} bytes")
    try:
        body = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInput("the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object")
    return body
