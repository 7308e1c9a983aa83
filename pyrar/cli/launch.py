"""``pyrar tmch ...`` (the Trademark Clearinghouse's files in, LORDN files out) and ``pyrar
tld phase|applications|allocate`` (a TLD's launch phases and applications, RFC 8334)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from registry.admin.tlds import get_tld
from registry.launch.allocation import allocate
from registry.launch.applications import applications_of
from registry.launch.phases import phases_of, set_phase
from registry.launch.tmch_data import import_ca, import_crl, import_dnl, import_smdrl, lordn
from registry.models import APPLICATION_STATUSES, PHASES

from .context import CliError

IMPORTS = {"ca": (import_ca, "TMCH CA certificate (PEM)"),
           "crl": (import_crl, "the TMCH CA's CRL (PEM)"),
           "smdrl": (import_smdrl, "SMD revocation list (CSV, RFC 9361)"),
           "dnl": (import_dnl, "DNL, the domain name label list (CSV, RFC 9361)")}


def register(subparsers) -> None:
    tmch = subparsers.add_parser("tmch", help="Trademark Clearinghouse data and LORDN files"
                                 ).add_subparsers(dest="tmch_command", metavar="ACTION",
                                                  required=True)
    for name, (_, what) in IMPORTS.items():
        p = tmch.add_parser(name, help=f"import the {what}, replacing the last one")
        p.add_argument("file")
        p.set_defaults(run=run_import, kind=name)
    p = tmch.add_parser("lordn", help="print the LORDN file of registrations not reported "
                        "yet (they count as reported from then on)")
    p.add_argument("tld")
    p.add_argument("kind", choices=("sunrise", "claims"))
    p.set_defaults(run=run_lordn)


def register_phases(tld_actions) -> None:
    p = tld_actions.add_parser("phase", help="set a launch phase's dates (RFC 8334)")
    p.add_argument("tld")
    p.add_argument("name", choices=PHASES)
    p.add_argument("start", help="ISO 8601 date and time, UTC unless given")
    p.add_argument("end", nargs="?", help="ISO 8601; none: the phase does not end")
    p.add_argument("--custom-name", default="", help="the name of a custom phase")
    p.add_argument("--applications", action="store_true",
                   help="creates file applications, allocated after the phase ends "
                        "('pyrar tld allocate'); the phase needs an end")
    p.set_defaults(run=run_phase)
    p = tld_actions.add_parser("applications", help="list a TLD's launch applications")
    p.add_argument("tld")
    p.add_argument("--status", choices=APPLICATION_STATUSES)
    p.set_defaults(run=run_applications)
    p = tld_actions.add_parser(
        "allocate", help="after an application phase: allocate each name with one pending "
        "application; contended names wait for --winner")
    p.add_argument("tld")
    p.add_argument("--winner", type=int, action="append", default=[], metavar="ID",
                   help="the application that gets its contended name (repeatable); the "
                        "others for that name are rejected and refunded")
    p.set_defaults(run=run_allocate)


def run_import(ctx, args) -> None:
    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CliError(f"cannot read {args.file}: {e}") from None
    work, what = IMPORTS[args.kind]
    count = ctx.task(lambda c: work(c, text), f"tmch_{args.kind}")
    print(f"{what} imported" + (f": {count} entries" if isinstance(count, int) else ""))


def run_lordn(ctx, args) -> None:
    suffix = ctx.registry().settings.roid_suffix
    text = ctx.task(lambda c: lordn(c, get_tld(c, args.tld), args.kind, suffix), "lordn")
    print(text, end="")


def run_phase(ctx, args) -> None:
    start, end = parse_when(args.start), parse_when(args.end) if args.end else None
    ctx.task(lambda c: set_phase(c, args.tld, args.name, start, end, args.custom_name,
                                 args.applications), "tld_phase")

    def work(c):
        for p in phases_of(c, args.tld):
            name = f"{p.name} {p.custom_name}".strip()
            yield f"{args.tld} {name}: {p.starts_at:%Y-%m-%d %H:%M} - " + (
                f"{p.ends_at:%Y-%m-%d %H:%M}" if p.ends_at else "(open-ended)") + (
                ", applications" if p.applications else "")
    ctx.show(work)


def run_applications(ctx, args) -> None:
    def work(c):
        for row, clid in applications_of(c, args.tld, args.status):
            yield (f"{row.id}\t{row.name}\t{row.phase}\t{clid}\t{row.status}\t"
                   f"{row.created_at:%Y-%m-%d %H:%M}\t{row.mark_ref or '-'}")
    ctx.show(work)


def run_allocate(ctx, args) -> None:
    def work(c):
        for a in allocate(c, args.tld, tuple(args.winner)):
            ids = ", ".join(map(str, a.application_ids))
            yield f"{a.name}: {a.outcome} ({ids})" + (f": {a.reason}" if a.reason else "")
    ctx.show(work, "tld_allocate")


def parse_when(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"{text!r} is not an ISO 8601 date and time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
