"""``pyrar report monthly TLD YYYY-MM``: ICANN's monthly reports (Specification 3) as CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

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
    p.set_defaults(run=run_monthly)


def run_monthly(ctx, args) -> None:
    try:
        month = Month.parse(args.month)
    except ValueError as e:
        raise CliError(str(e)) from None
    tld = args.tld.strip().lower().rstrip(".")

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
    for name, header, lines in (
            (f"{tld}-transactions-{month}-en.csv", TRANSACTION_FIELDS, [*values, totals]),
            (f"{tld}-activity-{month}-en.csv", ACTIVITY_FIELDS,
             [[counts[f] for f in ACTIVITY_FIELDS]])):
        path = out / name
        path.write_text(csv_text(header, lines), encoding="utf-8")
        print(path)


def csv_text(header, lines) -> str:
    """ICANN's CSV: a header line, CRLF line ends, a field not recorded left empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for line in lines:
        writer.writerow(["" if v is None else v for v in line])
    return buffer.getvalue()
