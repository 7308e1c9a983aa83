"""``pyrar registrar add|list|set|credit|ledger`` (``cert``: ``pyrar.cli.registrar_cert``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from certs.fingerprint import fingerprint
from registry.admin.registrars import (
    PastCreditLimit,
    add_registrar,
    credit_registrar,
    get_registrar,
    update_registrar,
)
from registry.models import LedgerEntry, Registrar
from registry.money import format_amount, parse_amount
from registry.values import PostalAddress

from . import registrar_cert
from .arguments import whole_number
from .context import CliError


def register(subparsers) -> None:
    reg = subparsers.add_parser("registrar", help="registrars (EPP clients)").add_subparsers(
        dest="registrar_command", metavar="ACTION", required=True)
    add = reg.add_parser("add", help="create a registrar")
    add.add_argument("clid")
    add.add_argument("--password", required=True)
    add.add_argument("--name")
    add.add_argument("--email", default="")
    add.add_argument("--currency", default="USD")
    _common(add)
    add.set_defaults(run=run_add)
    reg.add_parser("list", help="list registrars and balances").set_defaults(run=run_list)
    set_ = reg.add_parser("set", help="change a registrar")
    set_.add_argument("clid")
    set_.add_argument("--password")
    set_.add_argument("--name")
    set_.add_argument("--email")
    set_.add_argument("--status", choices=("ok", "suspended"))
    _common(set_)
    set_.set_defaults(run=run_set)
    credit = reg.add_parser("credit", help="add funds (negative: take back)")
    credit.add_argument("clid")
    credit.add_argument("amount", help="e.g. 1000.00 or -25.00")
    credit.add_argument("--description", default="")
    credit.add_argument("--force", action="store_true",
                        help="take back even past the registrar's credit limit")
    credit.set_defaults(run=run_credit)
    ledger = reg.add_parser("ledger", help="show a registrar's ledger")
    ledger.add_argument("clid")
    ledger.add_argument("--limit", type=whole_number(1, 100_000), default=50)
    ledger.set_defaults(run=run_ledger)
    registrar_cert.register(reg)


def _common(p) -> None:
    p.add_argument("--credit-limit", metavar="AMOUNT")
    p.add_argument("--low-balance", metavar="AMOUNT", help="poll message below this amount")
    p.add_argument("--fingerprint", action="append", metavar="SHA256",
                   help="client certificate fingerprint (primary, then failover)")
    p.add_argument("--cert", action="append", metavar="PEM",
                   help="client certificate file, instead of its fingerprint")
    p.add_argument("--network", action="append", metavar="CIDR",
                   help="allowed source network (repeat; none allows any)")
    # what RDAP, WHOIS and escrow publish
    p.add_argument("--iana-id", type=whole_number(1, 2**31 - 1), metavar="N",
                   help="IANA Registrar ID")
    p.add_argument("--url", help="the registrar's web site")
    p.add_argument("--abuse-email", metavar="ADDRESS")
    p.add_argument("--abuse-phone", metavar="+CC.NUMBER")
    p.add_argument("--voice", metavar="+CC.NUMBER", help="the registrar's phone (escrow)")
    # the registrar's address, which escrow deposits carry: --city and --cc at least
    p.add_argument("--street", action="append", metavar="LINE", help="repeat: up to 3 lines")
    p.add_argument("--city")
    p.add_argument("--sp", metavar="STATE")
    p.add_argument("--pc", metavar="POSTCODE")
    p.add_argument("--cc", metavar="COUNTRY", help="ISO 3166 code, e.g. US")


def _rdds(args) -> dict:
    postal = None
    if args.city or args.cc or args.street or args.sp or args.pc:
        if not (args.city and args.cc):
            raise CliError("a registrar's address needs --city and --cc")
        postal = PostalAddress(args.city, args.cc, tuple(args.street or ()), args.sp, args.pc)
    return {"iana_id": args.iana_id, "url": args.url, "abuse_email": args.abuse_email,
            "abuse_phone": args.abuse_phone, "voice": args.voice, "postal": postal}


def _fingerprints(args) -> tuple[str, ...] | None:
    prints = list(args.fingerprint or [])
    for path in args.cert or []:
        try:
            prints.append(fingerprint(Path(path).read_bytes()))
        except (OSError, ValueError) as e:
            raise CliError(f"{path}: not a readable PEM certificate ({e})") from None
    return tuple(prints) if prints or args.fingerprint is not None else None


def _amount(text: str | None, currency: str) -> int | None:
    return None if text is None else parse_amount(text, currency)


def run_add(ctx, args) -> None:
    ctx.task(lambda c: add_registrar(
        c, args.clid, password=args.password, name=args.name, email=args.email,
        currency=args.currency, credit_limit=_amount(args.credit_limit, args.currency) or 0,
        fingerprints=_fingerprints(args) or (), networks=tuple(args.network or ()),
        low_balance_threshold=_amount(args.low_balance, args.currency), **_rdds(args)),
        "registrar_add")
    print(f"registrar {args.clid} added")


def run_set(ctx, args) -> None:
    def work(c):
        registrar = get_registrar(c, args.clid, lock=True)
        cur = registrar.currency
        update_registrar(
            c, registrar, password=args.password, name=args.name, email=args.email,
            status=args.status, credit_limit=_amount(args.credit_limit, cur),
            fingerprints=_fingerprints(args),
            networks=tuple(args.network) if args.network is not None else None,
            low_balance_threshold=_amount(args.low_balance, cur), **_rdds(args))
    ctx.task(work, "registrar_set")
    print(f"registrar {args.clid} updated")


def run_list(ctx, args) -> None:
    def work(c):
        for r in c.session.scalars(select(Registrar).order_by(Registrar.clid)):
            cur = r.currency
            yield (f"{r.clid:<16} {r.status:<9} balance {format_amount(r.balance, cur):>12} "
                   f"credit {format_amount(r.credit_limit, cur):>10} {cur}  {r.name}")
    ctx.show(work)


def run_credit(ctx, args) -> None:
    def work(c):
        registrar = get_registrar(c, args.clid)
        cur, limit = registrar.currency, registrar.credit_limit
        entry = credit_registrar(c, args.clid, parse_amount(args.amount, cur),
                                 args.description, force=args.force)
        line = f"registrar {args.clid}: balance now {format_amount(entry.balance_after, cur)} {cur}"
        if (past := -(entry.balance_after + limit)) > 0:
            line += (f", {format_amount(past, cur)} {cur} past its credit limit of "
                     f"{format_amount(limit, cur)} {cur}: what costs money is refused until "
                     "it pays")
        return line
    try:
        print(ctx.task(work, "registrar_credit"))
    except PastCreditLimit as e:
        raise CliError(f"{e.reason}; add --force to do it anyway") from None


def run_ledger(ctx, args) -> None:
    def work(c):
        registrar = get_registrar(c, args.clid)
        rows = c.session.scalars(select(LedgerEntry).where(
            LedgerEntry.registrar_id == registrar.id).order_by(LedgerEntry.id.desc()).limit(
            args.limit)).all()
        for e in reversed(rows):
            yield (f"{e.at:%Y-%m-%d %H:%M:%S} {e.kind:<10} "
                   f"{format_amount(e.amount, e.currency):>10} "
                   f"{format_amount(e.balance_after, e.currency):>12} {e.object_name or ''} "
                   f"{e.description}")
    ctx.show(work)
