"""``pyrar upstream add|list|test|remove|reconcile``: registries the site sells names of
over EPP (registrar/upstreams.py; docs/interconnect.md)."""

from __future__ import annotations

import argparse
import secrets
from typing import Any

from eppclient.namespaces import FEE
from registrar.backends.epp_link import EppLink
from registrar.backends.remote import RemoteRegistry
from registrar.config import RegistrarSettings
from registrar.core import RegistrarCore
from registrar.errors import SiteError
from registrar.reconcile import reconcile
from registrar.upstreams import (
    CONTACTS,
    UpstreamSpec,
    UpstreamView,
    add,
    find,
    listing,
    registry_config,
    remove,
    upstream_of,
)
from registry.errors import EppError
from registry.money import format_amount

from .arguments import whole_number
from .context import CliError


def register(subparsers: Any) -> None:
    up = subparsers.add_parser("upstream", help="registries the site sells names of over EPP"
                               ).add_subparsers(dest="upstream_command", metavar="ACTION",
                                                required=True)
    a = up.add_parser("add", help="sell a remote registry's TLDs")
    a.add_argument("name", help="our name for it (a-z, 0-9, -)")
    a.add_argument("--host", required=True)
    a.add_argument("--port", required=True, type=whole_number(1, 65535))
    a.add_argument("--ca", required=True, metavar="PEM", help="the registry's CA")
    a.add_argument("--cert", required=True, metavar="PEM", help="our client certificate")
    a.add_argument("--key", required=True, metavar="PEM", help="its private key")
    a.add_argument("--clid", required=True, help="our registrar id there")
    a.add_argument("--password", required=True)
    a.add_argument("--tld", action="append", required=True, metavar="TLD",
                   help="a TLD to sell (repeat)")
    a.add_argument("--markup", type=whole_number(0, 1000), metavar="PERCENT",
                   help="the site's markup on its prices (default: [registrar] markup_percent)")
    a.add_argument("--price", action="append", default=[], metavar="OPERATION=AMOUNT",
                   help="a flat price for a registry without fee-1.0 (create, renew, "
                        "transfer, restore; repeat)")
    a.add_argument("--currency", metavar="CODE", help="default: the site's")
    a.add_argument("--sessions", type=whole_number(1, 16), default=2,
                   help="logged-in EPP sessions to keep (default 2)")
    a.add_argument("--idle-timeout", type=whole_number(2, 86400), default=600,
                   metavar="SECONDS", help="the registry's idle timeout: a <hello> goes on a "
                   "session idle half as long (default 600)")
    a.add_argument("--contacts", choices=CONTACTS, default="registrant",
                   help="what its TLDs take with a name: the user's registrant contact "
                   "(default), the same as admin and tech too (all: a thick registry), or "
                   "none (the minimum data set)")
    a.set_defaults(run=run_add)
    up.add_parser("list", help="the upstreams").set_defaults(run=run_list)
    t = up.add_parser("test", help="log in; show the greeting, extensions and a price check")
    t.add_argument("name")
    t.set_defaults(run=run_test)
    r = up.add_parser("remove", help="stop selling an upstream's TLDs")
    r.add_argument("name")
    r.set_defaults(run=run_remove)
    c = up.add_parser("reconcile", help="compare the site's names with the registry's info")
    c.add_argument("name")
    c.add_argument("--repair", action="store_true",
                   help="bring the site's records in line (expiry, names gone)")
    c.set_defaults(run=run_reconcile)


def _core(ctx: Any) -> RegistrarCore:
    return RegistrarCore(ctx.registry(), ctx.config.section("registrar", RegistrarSettings))


def _site(work):
    try:
        return work()
    except SiteError as e:
        raise CliError(e.detail) from None


def run_add(ctx: Any, args: argparse.Namespace) -> None:
    prices = []
    for text in args.price:
        op, sep, amount = text.partition("=")
        if not sep:
            raise CliError(f"--price {text!r}: write OPERATION=AMOUNT, like renew=12.00")
        prices.append((op.strip(), amount.strip()))
    spec = UpstreamSpec(args.name, args.host, args.port, args.ca, args.cert, args.key,
                        args.clid, args.password, tuple(args.tld), args.markup,
                        tuple(prices), args.currency, args.sessions, args.idle_timeout,
                        args.contacts)
    core = _core(ctx)
    view = _site(lambda: core.tx(lambda c: add(c, spec, core.currency), "upstream_add"))
    print(f"upstream {view.name} added: {_line(view)}")
    print(f"check it with: pyrar upstream test {view.name}")


def run_list(ctx: Any, _args: argparse.Namespace) -> None:
    views = ctx.task(listing, "upstream_list")
    if not views:
        print("no upstreams: pyrar upstream add NAME --host ... --tld TLD")
    for view in views:
        print(f"{view.name}: {_line(view)}")


def _line(v: UpstreamView) -> str:
    markup = "site default" if v.markup_percent is None else f"{v.markup_percent}%"
    flat = ", ".join(f"{op} {format_amount(a, v.currency)}" for op, a in v.flat_prices.items())
    return (f"{v.host}:{v.port} as {v.clid}, TLDs {', '.join(v.tlds)}, markup {markup}, "
            f"{v.currency}, {v.sessions} sessions, idle timeout {v.idle_timeout} s, "
            f"contacts {v.contacts}"
            + (f", flat prices {flat}" if flat else ""))


def run_remove(ctx: Any, args: argparse.Namespace) -> None:
    _site(lambda: ctx.task(lambda c: remove(c, args.name), "upstream_remove"))
    print(f"upstream {args.name} removed (names held there stay on users' accounts)")


def run_test(ctx: Any, args: argparse.Namespace) -> None:
    settings = ctx.config.section("registrar", RegistrarSettings)

    def read(c):
        row = find(c, args.name)
        return upstream_of(row), registry_config(row, **settings.upstream_timeouts())
    upstream, config = _site(lambda: ctx.task(read, "upstream_test"))
    backend = RemoteRegistry(upstream, EppLink(config), settings.upstream_price_seconds)
    row = config
    try:
        try:
            greeting = backend.link.client().greeting
        except Exception as e:
            raise CliError(f"cannot log in to {row.name} at {row.host}:{row.port}: {e}"
                           ) from None
        print(f"logged in to {row.name} at {row.host}:{row.port} as {row.clid}")
        print(f"server: {greeting.server_id} (its time {greeting.server_date})")
        print("objects: " + ", ".join(greeting.obj_uris))
        print("extensions: " + ", ".join(greeting.ext_uris))
        fees = greeting.offers(FEE)
        print("prices: " + ("fee-1.0, asked per name" if fees else
                            "flat, from pyrar upstream add --price (no fee-1.0)"))
        names = [f"pyrar-test-{secrets.token_hex(4)}.{tld}" for tld in upstream.tlds]
        try:
            offers = backend.check(None, names)
        except EppError as e:
            raise CliError(f"price check: {e.reason}") from None
        for offer in offers:
            prices = ", ".join(f"{op} {'-' if a is None else format_amount(a, offer.currency)}"
                               for op, a in offer.prices.items())
            print(f"{offer.name}: {'available' if offer.available else offer.reason}; "
                  f"{offer.price_class}; {prices} {offer.currency} (the registry's)")
    finally:
        backend.close()


def run_reconcile(ctx: Any, args: argparse.Namespace) -> None:
    core = _core(ctx)
    try:
        lines = _site(lambda: reconcile(core.tx, core.upstreams, args.name, repair=args.repair))
    finally:
        core.close()
    for line in lines:
        print(line)
    if not lines:
        print(f"every name held at {args.name} matches the registry")
