"""``pyrar report monthly TLD YYYY-MM``: ICANN's monthly reports (Specification 3) as CSV."""

from __future__ import annotations

from pathlib import Path

from escrow.config import IcannSettings
from escrow.icann_reports import ReportingInterface, ReportNotTaken
from escrow.monthly_upload import upload_report, write_reports
from registry.monthly_reports import Month, NoSuchTld

from .context import CliError


def register(subparsers) -> None:
    report = subparsers.add_parser("report", help="ICANN reports").add_subparsers(
        dest="report_command", metavar="ACTION", required=True)
    p = report.add_parser("monthly", help="the per-registrar transactions report and the "
                                          "registry functions activity report, as CSV")
    p.add_argument("tld")
    p.add_argument("month", metavar="YYYY-MM")
    p.add_argument("--out", metavar="DIR", default=".", help="default: the current folder")
    p.add_argument("--upload", action="store_true",
                   help="also PUT both to ICANN's Registry Reporting Interface ([icann] url)")
    p.set_defaults(run=run_monthly)


def run_monthly(ctx, args) -> None:
    try:
        month = Month.parse(args.month)
    except ValueError as e:
        raise CliError(str(e)) from None
    tld = args.tld.strip().lower().rstrip(".")
    interface = None
    if args.upload:
        interface = ReportingInterface.from_settings(
            ctx.config.section("icann", IcannSettings), ctx.config.resolve)
        if interface is None:
            raise CliError("no reporting interface to upload to: [icann] url is not set")
    try:
        paths = write_reports(ctx.registry(), tld, month, Path(args.out))
    except NoSuchTld as e:
        raise CliError(str(e)) from None
    for path in paths.values():
        print(path)
    for kind, path in paths.items() if interface is not None else ():
        try:
            upload_report(interface, tld, kind, month, path)
        except ReportNotTaken as e:
            raise CliError(f"the {kind} report was not taken by ICANN: {e}") from None
        print(f"{kind} report for {month.iso} taken by ICANN")
