"""``pyrar web serve``: the registrar site and its JSON API (what ``pyrar serve`` runs)."""

from __future__ import annotations

from typing import Any

from registrar.config import MailSettings, RegistrarSettings
from registrar.core import RegistrarCore
from registrar.errors import SiteError
from registrar.mailer import Mailer


def register(subparsers: Any) -> None:
    web = subparsers.add_parser("web", help="the registrar site and its JSON API")
    sub = web.add_subparsers(dest="web_command", metavar="ACTION", required=True)
    p = sub.add_parser("serve", help="serve the site on [registrar] host and port")
    p.set_defaults(run=_serve)


def _serve(ctx: Any, _args: Any) -> None:
    from .server import serve  # aiohttp's server only for the command that serves

    settings = ctx.config.section("registrar", RegistrarSettings)
    core = RegistrarCore(ctx.registry(migrate=True), settings,
                         hosting_nameservers=ctx.hosting_nameservers())
    try:
        core.actor  # noqa: B018 - a missing house registrar is said before serving
    except SiteError as e:
        raise SystemExit(f"pyrar: error: {e.detail}") from None
    mailer = Mailer(ctx.config.section("mail", MailSettings), settings, ctx.config.base_dir,
                    core.registry.clock)
    serve(core, mailer, ctx.ready)
