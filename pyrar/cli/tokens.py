"""``pyrar tld token add|list|remove``: allocation tokens (RFC 8495) for reserved and
premium names (registry/tokens.py says what a token allows and what it costs)."""

from __future__ import annotations

from registry.admin.tokens import TokenTerms, add_token, list_tokens, remove_token
from registry.money import format_amount, parse_amount

from .context import CliError
from .launch import parse_when


def register(tld_actions) -> None:
    token = tld_actions.add_parser("token", help="allocation tokens (RFC 8495)"
                                   ).add_subparsers(dest="token_command", metavar="ACTION",
                                                    required=True)
    add = token.add_parser("add", help="issue a token and print it")
    add.add_argument("tld")
    add.add_argument("--label", help="the one label it allocates (default: any); a "
                     "reserved label is created only with a token for it")
    add.add_argument("--registrar", metavar="CLID", help="the one registrar that may use it")
    uses = add.add_mutually_exclusive_group()
    uses.add_argument("--uses", type=int, default=1, help="how many creates (default 1)")
    uses.add_argument("--unlimited", action="store_true", help="no use limit")
    add.add_argument("--from", dest="valid_from", metavar="WHEN", help="ISO 8601, UTC unless "
                     "given (default: now)")
    add.add_argument("--until", metavar="WHEN", help="ISO 8601 (default: no end)")
    add.add_argument("--price", metavar="AMOUNT", help="create price per year with the "
                     "token, e.g. 250.00 (default: the TLD's standard or premium price)")
    add.add_argument("--currency", default="USD", help="of --price (default USD)")
    add.add_argument("--token", help="the token's text (default: 32 random characters)")
    add.set_defaults(run=run_add)
    listing = token.add_parser("list", help="list tokens and their uses")
    listing.add_argument("tld", nargs="?")
    listing.set_defaults(run=run_list)
    remove = token.add_parser("remove", help="remove a token (a used one is revoked: the "
                              "domains it created keep naming it)")
    remove.add_argument("token")
    remove.set_defaults(run=run_remove)


def run_add(ctx, args) -> None:
    if args.uses < 1:
        raise CliError("--uses must be at least 1")
    price = parse_amount(args.price, args.currency) if args.price is not None else None
    terms = TokenTerms(
        label=args.label, registrar=args.registrar,
        max_uses=None if args.unlimited else args.uses,
        valid_from=parse_when(args.valid_from) if args.valid_from else None,
        valid_until=parse_when(args.until) if args.until else None,
        create_price=price, currency=args.currency if price is not None else None)
    text = ctx.task(lambda c: add_token(c, args.tld, terms, args.token).token, "token_add")
    print(text)


def run_list(ctx, args) -> None:
    def work(c):
        for row in list_tokens(c, args.tld):
            t = row.token
            limit = "unlimited" if t.max_uses is None else str(t.max_uses)
            dates = (f"{t.valid_from:%Y-%m-%d %H:%M}" if t.valid_from else "-") + " to " + (
                f"{t.valid_until:%Y-%m-%d %H:%M}" if t.valid_until else "-")
            price = (f"{format_amount(t.create_price, t.currency)} {t.currency}/y"
                     if t.create_price is not None else "TLD price")
            yield (f"{t.token}\t{row.tld}\t{t.label or '(any)'}\t"
                   f"{row.registrar or '(any registrar)'}\tused {t.uses}/{limit}\t{dates}\t"
                   f"{price}")
    ctx.show(work)


def run_remove(ctx, args) -> None:
    removed = ctx.task(lambda c: remove_token(c, args.token), "token_remove")
    print("token removed" if removed else "token revoked (it was used: kept for the "
          "domains it created)")
