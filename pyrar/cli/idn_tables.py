"""``pyrar tld idn-table load|remove`` and ``pyrar tld show``: a TLD's IDN tables."""

from __future__ import annotations

from pathlib import Path

from registry.admin.idn_tables import idn_tables_of, load_idn_table, remove_idn_table
from registry.admin.tlds import get_tld

from .context import CliError


def register(tld_actions) -> None:
    idn = tld_actions.add_parser("idn-table", help="a TLD's IDN tables (RFC 7940 LGR subset)"
                                 ).add_subparsers(dest="idn_command", metavar="ACTION",
                                                  required=True)
    load = idn.add_parser("load", help="load an LGR file (replaces the table of its tag)")
    load.add_argument("tld")
    load.add_argument("file")
    load.set_defaults(run=run_load)
    remove = idn.add_parser("remove", help="remove the table of a tag (e.g. und-Latn)")
    remove.add_argument("tld")
    remove.add_argument("tag")
    remove.set_defaults(run=run_remove)
    show = tld_actions.add_parser("show", help="a TLD's policy and IDN tables")
    show.add_argument("name")
    show.set_defaults(run=run_show)


def run_load(ctx, args) -> None:
    try:
        data = Path(args.file).read_bytes()
    except OSError as e:
        raise CliError(f"cannot read {args.file}: {e.strerror}") from None
    tag, count = ctx.task(lambda c: _loaded(load_idn_table(c, args.tld, data)), "idn_load")
    print(f"IDN table {tag} loaded for {args.tld}: {count} code points")


def _loaded(row) -> tuple[str, int]:
    return row.tag, sum(hi - lo + 1 for lo, hi in row.ranges)


def run_remove(ctx, args) -> None:
    ctx.task(lambda c: remove_idn_table(c, args.tld, args.tag), "idn_remove")
    print(f"IDN table {args.tag} removed from {args.tld}")


def run_show(ctx, args) -> None:
    def work(c):
        tld = get_tld(c, args.name)
        yield (f"{tld.name}: data model {tld.data_model}, idn "
               f"{'on' if tld.idn_allowed else 'off'}, emoji "
               f"{'on' if tld.emoji_allowed else 'off'}")
        tables = idn_tables_of(c, args.name)
        if not tables:
            yield "  IDN tables: none (an IDN label must be of one script)"
        for t in tables:
            kinds = sorted({v[2] for v in t.variants})
            yield (f"  IDN table {t.tag} {t.version}: "
                   f"{sum(hi - lo + 1 for lo, hi in t.ranges)} code points, "
                   f"{len(t.variants)} variants{' (' + ', '.join(kinds) + ')' if kinds else ''}")
    ctx.show(work)
