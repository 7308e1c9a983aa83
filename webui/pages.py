"""The site's pages: static files under /static/ and each area's HTML shell (the registrar
site at /, the operators' console at /admin), with the browser security headers every answer
carries.

An area is one HTML shell (``webui/static/<area>/index.html``) served for every path under its
prefix; its ES modules route in the browser (history API) and talk to the JSON API. Nothing
on a page is rendered on the server, so no user data is ever written into HTML here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).with_name("static")

# Scripts and styles only from files of ours, no inline script or style attribute, no
# eval; every DOM sink that parses HTML refuses strings (Trusted Types, with no policy
# allowed: pages build the DOM with textContent and element calls); nothing may frame us.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


@dataclass(frozen=True)
class Area:
    """A set of pages: ``prefix`` ("" for the site at /, "/admin" for the console) and the
    folder under webui/static/ holding its index.html and modules."""

    prefix: str
    folder: str

    @property
    def shell(self) -> Path:
        return STATIC_DIR / self.folder / "index.html"


SITE = Area("", "site")


def add_pages(app: web.Application, areas: tuple[Area, ...] = (SITE,), *,
              https: bool = False) -> None:
    """Mount /static/ and each area's shell on ``app`` (whose first middleware must be
    ``security_headers``). Mount after the API's routes: the site's catch-all comes last."""
    app["https"] = https
    app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False, append_version=False)
    # the longest prefix first: /admin/... is the console's, not the site's
    for area in sorted(areas, key=lambda a: -len(a.prefix)):
        handler = _shell(area)
        if area.prefix:
            app.router.add_get(area.prefix, handler)
            app.router.add_get(area.prefix + "/{tail:.*}", handler)
        else:
            others = "|".join(a.prefix.strip("/") for a in areas if a.prefix)
            excluded = "api/|static/" + (f"|(?:{others})(?:/|$)" if others else "")
            app.router.add_get("/{tail:(?!" + excluded + ").*}", handler)


def _shell(area: Area):
    async def shell(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(area.shell, headers={"Content-Type": "text/html; charset=utf-8"})
    shell.__name__ = f"{area.folder}_shell"
    return shell


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:
    """The outermost middleware: every answer, page, file, JSON or problem, gets them."""
    response = await handler(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.app.get("https"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.path.startswith("/static/") and response.status < 400:
        # revalidated each time (Last-Modified): a new release is seen at once
        response.headers["Cache-Control"] = "no-cache"
    else:
        response.headers.setdefault("Cache-Control", "no-store")
    return response
