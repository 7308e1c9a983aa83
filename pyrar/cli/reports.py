"""``pyrar report monthly TLD YYYY-MM``: ICANN's monthly reports (Specification 3) as CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from escrow.config import IcannSettings
from escrow.icann_reports import ReportingInterface, ReportNotTaken
from registry.monthly_reports import (
    ACTIVITY_FIELDS,
    TRANSACTION_FIELDS,
    Month,
    NoSuchTld,
    activity,
    transaction_values,
    transactions,
)

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

    def read(session):
        return transactions(session, tld, month), activity(session, tld, month)
    try:
        rows, counts = ctx.registry().read(read, snapshot=True)
    except NoSuchTld as e:
        raise CliError(str(e)) from None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    values = [transaction_values(r) for r in rows]
    totals = ["Totals", None, *(None if any(v[i] is None for v in values)
                                else sum(v[i] for v in values)
                                for i in range(2, len(TRANSACTION_FIELDS)))]
    reports = []
    for kind, header, lines in (
            ("transactions", TRANSACTION_FIELDS, [*values, totals]),
            ("activity", ACTIVITY_FIELDS, [[counts[f] for f in ACTIVITY_FIELDS]])):
        path = out / f"{tld}-{kind}-{month}-en.csv"
        text = csv_text(header, lines)
        path.write_text(text, encoding="utf-8", newline="")
        print(path)
        reports.append((kind, text))
    for kind, text in reports if interface is not None else ():
        try:
            interface.put_monthly_report(tld, kind, f"{month.start:%Y-%m}", text)
        except ReportNotTaken as e:
            raise CliError(f"the {kind} report was not taken by ICANN: {e}") from None
        print(f"{kind} report for {month.start:%Y-%m} taken by ICANN")


def csv_text(header, lines) -> str:
    """ICANN's CSV: a header line, CRLF line ends, a field not recorded left empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for line in lines:
        writer.writerow(["" if v is None else v for v in line])
    return buffer.getvalue()
