"""``pyrar tld|price|premium|reserve``: a TLD's policy, prices, premium and reserved names."""

from __future__ import annotations

import sys

from sqlalchemy import select

from registry.admin.tlds import (
    POLICY,
    add_premium,
    add_reserved,
    add_tld,
    get_tld,
    set_dns_settings,
    set_policy,
    set_price,
)
from registry.config import RegistrySettings
from registry.models import OPERATIONS, PremiumRule, Price, ReservedName, Tld
from registry.money import format_amount, parse_amount

from . import idn_tables, launch, tokens
from .context import CliError

SETTINGS_HELP = "policy: " + ", ".join(
    f"{key} ({setting.allowed()})" for key, setting in sorted(POLICY.items()))


def register(subparsers) -> None:
    tld = subparsers.add_parser("tld", help="top-level domains").add_subparsers(
        dest="tld_command", metavar="ACTION", required=True)
    add = tld.add_parser("add", help="create a TLD")
    add.add_argument("name")
    add.add_argument("settings", nargs="*", metavar="KEY=VALUE", help=SETTINGS_HELP)
    add.add_argument("--ns", action="append", metavar="HOST[=ADDR,...]",
                     help="apex name server (repeatable; default: [powerdns] "
                          "tld_nameservers); with name servers the TLD is published at once")
    add.add_argument("--dnssec", choices=("nsec3", "nsec", "off"), default="nsec3",
                     help="zone signing: default nsec3 (opt-out, RFC 9276 1 1 0 -)")
    add.set_defaults(run=run_add)
    tld.add_parser("list", help="list TLDs with their policy and prices").set_defaults(
        run=run_list)
    set_ = tld.add_parser("set", help="change a TLD's policy")
    set_.add_argument("name")
    set_.add_argument("settings", nargs="+", metavar="KEY=VALUE", help=SETTINGS_HELP)
    set_.set_defaults(run=run_set)
    idn_tables.register(tld)
    launch.register_phases(tld)
    tokens.register(tld)

    price = subparsers.add_parser("price", help="standard prices").add_subparsers(
        dest="price_command", metavar="ACTION", required=True)
    p = price.add_parser("set", help="set the price per year of an operation")
    p.add_argument("tld")
    p.add_argument("operation", choices=OPERATIONS)
    p.add_argument("amount", help="e.g. 10.00")
    p.add_argument("--currency", default="USD")
    p.set_defaults(run=run_price)

    premium = subparsers.add_parser("premium", help="premium names").add_subparsers(
        dest="premium_command", metavar="ACTION", required=True)
    p = premium.add_parser("add", help="price a name, or names matching a regex, as premium")
    p.add_argument("tld")
    p.add_argument("pattern", help="a label, or with --regex a regular expression: '^(.|..)$'")
    p.add_argument("--regex", action="store_true")
    p.add_argument("--class", dest="class_name", default="premium")
    p.add_argument("--currency", default="USD")
    for op in OPERATIONS:
        p.add_argument(f"--{op}", metavar="AMOUNT")
    p.set_defaults(run=run_premium)
    premium.add_parser("list", help="list premium rules").set_defaults(run=run_premium_list)

    reserve = subparsers.add_parser("reserve", help="reserved names").add_subparsers(
        dest="reserve_command", metavar="ACTION", required=True)
    r = reserve.add_parser("add", help="reserve a label")
    r.add_argument("tld")
    r.add_argument("label")
    r.add_argument("--reason", default="Reserved")
    r.set_defaults(run=run_reserve)
    r = reserve.add_parser("list", help="list reserved labels of a TLD")
    r.add_argument("tld")
    r.set_defaults(run=run_reserve_list)


def parse_settings(items: list[str]) -> dict[str, str]:
    settings = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"{item!r}: settings are KEY=VALUE")
        settings[key.strip()] = value.strip()
    return settings


def run_add(ctx, args) -> None:
    """The TLD and its DNS settings in one transaction: zonegen publishes it at once."""
    settings = parse_settings(args.settings)

    def work(c):
        tld = add_tld(c, args.name, **settings)        # refuses a bad name first
        try:
            dns = ctx.new_tld_dns(tld.name, args.ns, args.dnssec)
        except ValueError as e:
            raise CliError(str(e)) from None
        if dns is None:
            return tld.name, None
        set_dns_settings(c, tld.name, dns)
        return tld.name, dns
    tld, dns = ctx.task(work, "tld_add")
    warn_default_roid_suffix(ctx.registry().settings)
    if dns is None:
        print(f"TLD {tld} added, not published in DNS: give it name servers with 'pyrar zone "
              f"config {tld} --ns HOST' (or set [powerdns] tld_nameservers)")
    else:
        print(f"TLD {tld} added; zonegen publishes it with name servers "
              f"{', '.join(dns['nameservers'])}")
    print(f"set its prices with 'pyrar price set {tld} create 10.00'")


def warn_default_roid_suffix(settings: RegistrySettings) -> None:
    """ROIDs end in the repository id: a production registry needs its own, registered with
    IANA (ICANN's RST checks it; ICANNRST is only for RSP evaluation)."""
    if settings.roid_suffix == RegistrySettings.roid_suffix:
        print(f"warning: [registry] roid_suffix is the default {settings.roid_suffix!r}; a "
              "production registry must use a repository id registered with IANA",
              file=sys.stderr)


def run_set(ctx, args) -> None:
    settings = parse_settings(args.settings)
    ctx.task(lambda c: set_policy(get_tld(c, args.name), settings), "tld_set")
    print(f"TLD {args.name} updated")


def run_list(ctx, args) -> None:
    def work(c):
        for tld in c.session.scalars(select(Tld).order_by(Tld.name)):
            prices = c.session.scalars(select(Price).where(Price.tld_id == tld.id).order_by(
                Price.currency, Price.operation)).all()
            yield (f"{tld.name}: periods {tld.min_period}-{tld.max_period}y, grace add "
                   f"{tld.add_grace_days}d renew {tld.renew_grace_days}d autorenew "
                   f"{tld.autorenew_grace_days}d transfer {tld.transfer_grace_days}d, redemption "
                   f"{tld.redemption_days}d, pendingDelete {tld.pending_delete_days}d, "
                   f"data model {tld.data_model}, idn {idn_tables.idn_policy(tld)}, "
                   f"emoji {'on' if tld.emoji_allowed else 'off'}")
            for p in prices:
                yield f"  {p.operation:<9} {format_amount(p.amount, p.currency)} {p.currency}"
    ctx.show(work)


def run_price(ctx, args) -> None:
    amount = parse_amount(args.amount, args.currency)
    ctx.task(lambda c: set_price(c, args.tld, args.operation, args.currency, amount),
             "price_set")
    print(f"{args.tld} {args.operation}: {args.amount} {args.currency.upper()}")


def run_premium(ctx, args) -> None:
    prices = {op: parse_amount(getattr(args, op), args.currency)
              for op in OPERATIONS if getattr(args, op) is not None}
    ctx.task(lambda c: add_premium(c, args.tld, args.pattern, regex=args.regex,
                                   currency=args.currency, prices=prices,
                                   class_name=args.class_name), "premium_add")
    print(f"premium rule added to {args.tld}: {args.pattern}")


def run_premium_list(ctx, args) -> None:
    def work(c):
        rows = c.session.execute(select(Tld.name, PremiumRule).join(
            PremiumRule, PremiumRule.tld_id == Tld.id).order_by(Tld.name, PremiumRule.id))
        for tld, rule in rows:
            prices = ", ".join(f"{op} {format_amount(getattr(rule, op), rule.currency)}"
                               for op in OPERATIONS if getattr(rule, op) is not None)
            yield (f"{tld} {rule.kind} {rule.pattern!r} class {rule.class_name}: {prices} "
                   f"{rule.currency}")
    ctx.show(work)


def run_reserve(ctx, args) -> None:
    label = ctx.task(lambda c: add_reserved(c, args.tld, args.label, args.reason).label,
                     "reserve_add")
    print(f"{label}.{args.tld} reserved")


def run_reserve_list(ctx, args) -> None:
    def work(c):
        tld = get_tld(c, args.tld)
        for r in c.session.scalars(select(ReservedName).where(
                ReservedName.tld_id == tld.id).order_by(ReservedName.label)):
            yield f"{r.label}.{tld.name}\t{r.reason}"
    ctx.show(work)
