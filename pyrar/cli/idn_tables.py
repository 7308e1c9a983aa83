"""``pyrar tld idn-table load|set|remove`` and ``pyrar tld show``: a TLD's IDN tables."""

from __future__ import annotations

from pathlib import Path

from registry.admin.idn_tables import (
    idn_tables_of,
    load_idn_table,
    remove_idn_table,
    set_idn_table_urls,
)
from registry.admin.tlds import get_tld

from .context import CliError


def register(tld_actions) -> None:
    idn = tld_actions.add_parser("idn-table", help="a TLD's IDN tables (RFC 7940 LGR subset)"
                                 ).add_subparsers(dest="idn_command", metavar="ACTION",
                                                  required=True)
    load = idn.add_parser("load", help="load an LGR file (replaces the table of its tag)")
    load.add_argument("tld")
    load.add_argument("file")
    _url_options(load)
    load.set_defaults(run=run_load)
    urls = idn.add_parser("set", help="where a table and its policy are published "
                          "(escrow deposits' rdeIDN objects)")
    urls.add_argument("tld")
    urls.add_argument("tag")
    _url_options(urls)
    urls.set_defaults(run=run_set)
    remove = idn.add_parser("remove", help="remove the table of a tag (e.g. und-Latn)")
    remove.add_argument("tld")
    remove.add_argument("tag")
    remove.set_defaults(run=run_remove)
    show = tld_actions.add_parser("show", help="a TLD's policy and IDN tables")
    show.add_argument("name")
    show.set_defaults(run=run_show)


def _url_options(parser) -> None:
    parser.add_argument("--url", help="the table's published URL (IANA's repository or the "
                        "registry's site; '' derives it from [escrow] idn_table_url)")
    parser.add_argument("--policy-url", help="the registration policy's URL ('' derives it "
                        "from [escrow] idn_policy_url)")


def run_load(ctx, args) -> None:
    try:
        data = Path(args.file).read_bytes()
    except OSError as e:
        raise CliError(f"cannot read {args.file}: {e.strerror}") from None
    tag, count = ctx.task(lambda c: _loaded(load_idn_table(
        c, args.tld, data, args.url, args.policy_url)), "idn_load")
    print(f"IDN table {tag} loaded for {args.tld}: {count} code points")


def run_set(ctx, args) -> None:
    if args.url is None and args.policy_url is None:
        raise CliError("nothing to set: give --url and/or --policy-url")
    ctx.task(lambda c: set_idn_table_urls(c, args.tld, args.tag, args.url, args.policy_url),
             "idn_set")
    print(f"IDN table {args.tag} of {args.tld} updated")


def _loaded(row) -> tuple[str, int]:
    return row.tag, sum(hi - lo + 1 for lo, hi in row.ranges)


def idn_policy(tld) -> str:
    """``only`` (an IDN-only TLD, RST idn-02), ``on`` or ``off``."""
    return "only" if tld.idn_only else "on" if tld.idn_allowed else "off"


def run_remove(ctx, args) -> None:
    ctx.task(lambda c: remove_idn_table(c, args.tld, args.tag), "idn_remove")
    print(f"IDN table {args.tag} removed from {args.tld}")


def run_show(ctx, args) -> None:
    def work(c):
        tld = get_tld(c, args.name)
        yield (f"{tld.name}: data model {tld.data_model}, idn "
               f"{idn_policy(tld)}, emoji "
               f"{'on' if tld.emoji_allowed else 'off'}")
        tables = idn_tables_of(c, args.name)
        if not tables:
            yield "  IDN tables: none (an IDN label must be of one script)"
        for t in tables:
            kinds = sorted({v[2] for v in t.variants})
            yield (f"  IDN table {t.tag} {t.version}: "
                   f"{sum(hi - lo + 1 for lo, hi in t.ranges)} code points, "
                   f"{len(t.variants)} variants{' (' + ', '.join(kinds) + ')' if kinds else ''}"
                   f"; url {t.url or '(derived)'}, policy {t.policy_url or '(derived)'}")
    ctx.show(work)
