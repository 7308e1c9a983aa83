"""Who is asking, and whether they may: session cookies (HttpOnly, SameSite, Secure), the
CSRF token every state-changing request with a cookie must echo, API keys."""

from __future__ import annotations

from aiohttp import web

from registrar.config import RegistrarSettings
from registrar.errors import Forbidden, NotAuthenticated
from registrar.operators import ROLES as OPERATOR_ROLES
from registrar.sessions import NewSession
from registrar.views import Principal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"


def cookie_name(settings: RegistrarSettings) -> str:
    # __Host-: the browser takes it only over HTTPS, from this host, for every path
    return "__Host-pyrar_session" if settings.secure_cookies else "pyrar_session"


def set_session_cookie(response: web.StreamResponse, settings: RegistrarSettings,
                       session: NewSession) -> None:
    response.set_cookie(cookie_name(settings), session.token, path="/", httponly=True,
                        secure=settings.secure_cookies, samesite="Lax",
                        max_age=int(settings.session_hours * 3600))


def clear_session_cookie(response: web.StreamResponse, settings: RegistrarSettings) -> None:
    response.del_cookie(cookie_name(settings), path="/")


def session_token(request: web.Request, settings: RegistrarSettings) -> str | None:
    return request.cookies.get(cookie_name(settings))


def check_csrf(request: web.Request, principal: Principal) -> None:
    """Synchronizer token: the session's secret, which another site cannot read, must come
    back in a header, which a cross-site form cannot set."""
    if request.method in SAFE_METHODS or principal.csrf is None:
        return
    if request.headers.get(CSRF_HEADER) != principal.csrf:
        raise Forbidden(f"missing or wrong {CSRF_HEADER} header: send the csrf_token the "
                        "login answered with")


def require_user(principal: Principal | None, *, second_factor_step: bool = False
                 ) -> Principal:
    if principal is None:
        raise NotAuthenticated("log in first")
    if principal.needs_second_factor and not second_factor_step:
        raise NotAuthenticated("give the code from your authenticator app to finish logging in")
    return principal


def require_operator(principal: Principal | None) -> Principal:
    """A logged-in operator's session (never an API key); the console's core checks the
    role each action needs and the second factor, in the action's transaction."""
    principal = require_user(principal)
    if principal.role not in OPERATOR_ROLES:
        raise Forbidden("for the registry's operators only")
    if principal.scopes is not None:
        raise Forbidden("the operators' console takes no API keys: log in")
    return principal


def bearer_key(request: web.Request) -> str | None:
    """The API key of ``Authorization: Bearer <key>``; "" for another Authorization."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, key = header.partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def check_scope(request: web.Request, principal: Principal, scope: str | None) -> None:
    """An API key may GET with "read", and change what its other scopes name; sessions
    may do anything their user may."""
    if principal.scopes is None:
        return
    needed = "read" if request.method in SAFE_METHODS else scope
    if needed is None:
        raise Forbidden("API keys cannot do this: log in")
    if not principal.allows(needed):
        raise Forbidden(f"this API key lacks the {needed!r} scope")


def client_address(request: web.Request) -> str:
    return request.remote or "unknown"
