"""The site's aiohttp application: the JSON API under /api/, thin over the registrar core.

Every answer that is not a success is an RFC 9457 problem; bad input is a 4xx with a
message, never a 500 (an unexpected error is logged with its traceback and answered 500
without one)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web

from registrar.config import RegistrarSettings
from registrar.console import OperatorConsole
from registrar.core import RegistrarCore
from registrar.errors import NotAuthenticated, SiteError
from registrar.payments.config import PaymentSettings
from registrar.payments.service import PaymentService

from .api_accounts import account_routes
from .api_domains import domain_routes
from .api_hosted import hosted_routes
from .api_keys import key_routes
from .api_notifications import notification_routes
from .api_payments import add_webhooks, payment_routes
from .api_security import security_routes
from .api_shop import shop_routes
from .console.api_registry import registry_routes
from .console.api_site import site_routes
from .console.pages import CONSOLE
from .openapi import document
from .pages import SITE, add_pages, security_headers
from .problems import from_site_error, problem
from .ratelimit import RateLimiter
from .render import json_response
from .routing import Api, Call, Route, read_body
from .security import (
    bearer_key,
    check_csrf,
    check_scope,
    require_operator,
    require_user,
    session_token,
)

log = logging.getLogger("pyrar.webui")


def build_api() -> Api:
    api = Api()
    account_routes(api)
    shop_routes(api)
    domain_routes(api)
    hosted_routes(api)
    security_routes(api)
    key_routes(api)
    notification_routes(api)
    payment_routes(api)
    registry_routes(api)
    site_routes(api)
    return api


def limiters(settings: RegistrarSettings) -> dict[str, RateLimiter]:
    window, factor = settings.limit_window_seconds, settings.address_limit_factor
    return {name: RateLimiter(limit, window, factor) for name, limit in (
        ("login", settings.login_limit), ("reset", settings.reset_limit),
        ("register", settings.register_limit), ("search", settings.search_limit))}


def make_app(core: RegistrarCore, payments: PaymentService | None = None,
             tld_dns: Callable[[str], dict | None] = lambda _tld: None) -> web.Application:
    """``tld_dns``: a new TLD's DNS settings for the console (the app shell's)."""
    app = web.Application(middlewares=[security_headers, _problems],
                          client_max_size=64 * 1024)
    app["core"] = core
    app["payments"] = payments or PaymentService(core, PaymentSettings())
    app["console"] = OperatorConsole(core.registry, tuple(
        name for name, provider in app["payments"].providers.items()
        if hasattr(provider, "refund")), tld_dns=tld_dns,
        default_markup=core.settings.markup_percent)
    app["limits"] = limiters(core.settings)
    api = build_api()
    app["openapi"] = document(api, core.settings.site_url)
    for route in api.routes:
        app.router.add_route(route.method, route.path, _endpoint(route))
    app.router.add_get("/api/openapi.json", _openapi)
    add_webhooks(app)
    add_pages(app, (SITE, CONSOLE), https=core.settings.site_url.startswith("https:"))
    return app


def _endpoint(route: Route):
    async def endpoint(request: web.Request) -> web.StreamResponse:
        app = request.app
        core: RegistrarCore = app["core"]
        key = bearer_key(request)
        if key is not None:
            principal = await request.loop.run_in_executor(None, core.key_principal, key) \
                if key else None
            if principal is None:
                raise NotAuthenticated("the API key is not valid, or was revoked")
            check_scope(request, principal, route.scope)
        else:
            token = session_token(request, core.settings)
            principal = await request.loop.run_in_executor(None, core.principal, token) \
                if token else None
        if route.auth == "user":
            require_user(principal)
        elif route.auth == "operator":
            require_operator(principal)
        if principal is not None:
            check_csrf(request, principal)
        body = await read_body(request) if route.body is not None else {}
        return await route.handler(Call(request, core, principal, body, app))
    endpoint.__name__ = route.handler.__name__
    return endpoint


async def _openapi(request: web.Request) -> web.Response:
    return json_response(request.app["openapi"])


@web.middleware
async def _problems(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except SiteError as e:
        return from_site_error(e)
    except web.HTTPException as e:
        if e.status < 400:
            raise
        return problem(e.status, e.reason, _http_detail(e, request),
                       headers={k: v for k, v in e.headers.items()
                                if k.lower() in ("allow", "retry-after")})
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return problem(500, "Internal error", "something went wrong on our side; nothing "
                       "was changed if you were told nothing else. Please try again later")


def _http_detail(e: web.HTTPException, request: web.Request) -> str:
    if e.status == 404:
        return f"no such resource: {request.path[:200]}"
    if e.status == 405:
        return f"{request.method} is not allowed here"
    if e.status == 413:
        return "the request body is too large"
    return e.text or e.reason
