"""``pyrar web serve``: the registrar site and its JSON API (what ``pyrar serve`` runs)."""

from __future__ import annotations

import sys
from typing import Any

from registrar.config import MailSettings, RegistrarSettings
from registrar.core import RegistrarCore
from registrar.errors import SiteError
from registrar.mailer import Mailer
from registrar.payments.config import load as payment_settings
from registrar.payments.service import PaymentService
from registrar.secret_box import SecretBox
from registry.config import ClusterSettings


def register(subparsers: Any) -> None:
    web = subparsers.add_parser("web", help="the registrar site and its JSON API")
    sub = web.add_subparsers(dest="web_command", metavar="ACTION", required=True)
    p = sub.add_parser("serve", help="serve the site on [registrar] host and port")
    p.set_defaults(run=_serve)
    p = sub.add_parser("secret-key", help="print a new key for [registrar] secret_key_file "
                                          "(put it first in the file to rotate)")
    p.set_defaults(run=lambda _ctx, _args: print(SecretBox.new_key()))
    p = sub.add_parser("operator", help="give a site account a role in the operators' console "
                       "(the first superuser); it must turn on 2FA before it can act")
    p.add_argument("email")
    p.add_argument("role", choices=("readonly", "operator", "superuser", "user"))
    p.set_defaults(run=_operator)


def _operator(ctx: Any, args: Any) -> int:
    from registrar.console import OperatorConsole

    try:
        user = OperatorConsole(ctx.registry()).grant_role(args.email, args.role)
    except SiteError as e:
        print(f"pyrar: error: {e.detail}", file=sys.stderr)
        return 1
    print(f"{user.email} (#{user.id}) is now {user.role}")
    return 0


def _serve(ctx: Any, _args: Any) -> None:
    from .server import serve  # aiohttp's server only for the command that serves

    settings = ctx.config.section("registrar", RegistrarSettings)
    key_file = ctx.config.resolve(settings.secret_key_file) if settings.secret_key_file \
        else None
    try:
        secrets = SecretBox.from_file(key_file, settings.secret_key)
    except ValueError as e:
        raise SystemExit(f"pyrar: error: [registrar] secret key: {e}") from None
    core = RegistrarCore(ctx.registry(migrate=True), settings,
                         hosting_nameservers=ctx.hosting_nameservers(), secrets=secrets)
    try:
        core.actor  # noqa: B018 - a missing house registrar is said before serving
    except SiteError as e:
        raise SystemExit(f"pyrar: error: {e.detail}") from None
    mailer = Mailer(ctx.config.section("mail", MailSettings), settings, ctx.config.base_dir,
                    core.registry.clock)
    payments = PaymentService(core, payment_settings(ctx.config))
    try:
        serve(core, mailer, payments, ctx.ready, ctx.config.section("cluster", ClusterSettings),
              tld_dns=ctx.new_tld_dns)
    finally:
        core.close()  # logs out of the upstreams
