"""ICANN's monthly registry reports (Registry Agreement Specification 3), computed from the
history, the transfers and the registry's current state: read-only queries.

The per-registrar transactions report counts each registrar's adds, renews, transfers,
deletes and restores of the month; the registry functions activity report counts the
registry's commands, and the RDAP and port-43 WHOIS queries the servers answered (counted
per minute, registry/query_counts.py, for the registry as a whole: the same figure in every
TLD's report, as the queries of name servers and registrars belong to no TLD), and the EPP
read commands (check, info, transfer query: a domain command in its TLD's report, host and
contact commands in every report), and the DNS queries the managed PowerDNS received and
answered (its counters, for the registry as a whole; None for a month in which no
PowerDNS was watched). PyRar offers no web or searchable WHOIS: zero. What PyRar
does not record yet is reported as None, never as a made-up zero: ZFA passwords; TDRP
disputes and AGP exemptions (no such processes). Failed
create attempts are not recorded either: attempted-adds counts the successful ones. Totals
of domains and name servers are today's objects created before the month's end (deleted
ones are no longer counted), exact for the month just ended.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from . import query_counts
from .models import Domain, HistoryEntry, Host, Registrar, Tld, Transfer

YEARS = range(1, 11)
TRANSACTION_FIELDS = (
    "registrar-name", "iana-id", "total-domains", "total-nameservers",
    *(f"net-adds-{n}-yr" for n in YEARS), *(f"net-renews-{n}-yr" for n in YEARS),
    "transfer-gaining-successful", "transfer-gaining-nacked", "transfer-losing-successful",
    "transfer-losing-nacked", "transfer-disputed-won", "transfer-disputed-lost",
    "transfer-disputed-nodecision", "deleted-domains-grace", "deleted-domains-nograce",
    "restored-domains", "restored-noreport", "agp-exemption-requests",
    "agp-exemptions-granted", "agp-exempted-domains", "attempted-adds")
ACTIVITY_FIELDS = (
    "operational-registrars", "zfa-passwords", "whois-43-queries", "web-whois-queries",
    "searchable-whois-queries", "dns-udp-queries-received", "dns-udp-queries-responded",
    "dns-tcp-queries-received", "dns-tcp-queries-responded", "srs-dom-check",
    "srs-dom-create", "srs-dom-delete", "srs-dom-info", "srs-dom-renew",
    "srs-dom-rgp-restore-report", "srs-dom-rgp-restore-request", "srs-dom-transfer-approve",
    "srs-dom-transfer-cancel", "srs-dom-transfer-query", "srs-dom-transfer-reject",
    "srs-dom-transfer-request", "srs-dom-update", "srs-host-check", "srs-host-create",
    "srs-host-delete", "srs-host-info", "srs-host-update", "srs-cont-check",
    "srs-cont-create", "srs-cont-delete", "srs-cont-info", "srs-cont-transfer-approve",
    "srs-cont-transfer-cancel", "srs-cont-transfer-query", "srs-cont-transfer-reject",
    "srs-cont-transfer-request", "srs-cont-update", "rdap-queries")
# fields no record supports yet (see the module's docstring)
NOT_RECORDED_TRANSACTIONS = ("transfer-disputed-won", "transfer-disputed-lost",
                             "transfer-disputed-nodecision", "agp-exemption-requests",
                             "agp-exemptions-granted", "agp-exempted-domains")
NOT_RECORDED_ACTIVITY = ("zfa-passwords",)
# history commands (flow names) and the activity field each counts
COMMAND_FIELDS = {
    "domain_create": "srs-dom-create", "domain_delete": "srs-dom-delete",
    "domain_renew": "srs-dom-renew", "domain_restore": "srs-dom-rgp-restore-request",
    "domain_restore_report": "srs-dom-rgp-restore-report", "domain_update": "srs-dom-update",
    "host_create": "srs-host-create", "host_delete": "srs-host-delete",
    "host_update": "srs-host-update", "contact_create": "srs-cont-create",
    "contact_delete": "srs-cont-delete", "contact_update": "srs-cont-update",
}
TRANSFER_FIELDS = {"clientApproved": "transfer-approve", "clientRejected": "transfer-reject",
                   "clientCancelled": "transfer-cancel"}


class NoSuchTld(Exception):
    pass


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            year, month = (int(p) for p in text.split("-"))
            datetime(year, month, 1)
        except ValueError:
            raise ValueError(f"{text!r} is not a month (YYYY-MM)") from None
        return cls(year, month)

    @classmethod
    def of(cls, when: datetime) -> Month:
        when = when.astimezone(UTC)
        return cls(when.year, when.month)

    @property
    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def iso(self) -> str:
        """YYYY-MM, as the Registry Reporting Interface names a month."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime(self.year + self.month // 12, self.month % 12 + 1, 1, tzinfo=UTC)

    def __str__(self) -> str:
        return f"{self.year:04d}{self.month:02d}"


@dataclass
class RegistrarRow:
    name: str
    iana_id: int | None
    values: Counter = field(default_factory=Counter)


def transactions(session: Session, tld: str, month: Month) -> list[RegistrarRow]:
    """One row per registrar, in name order."""
    tld_id = _tld_id(session, tld)
    registrars = {r.id: r for r in session.scalars(select(Registrar))}
    by_clid = {r.clid: i for i, r in registrars.items()}
    rows = {i: RegistrarRow(r.name, r.iana_id) for i, r in registrars.items()}
    for registrar_id, count in session.execute(
            select(Domain.sponsor_id, func.count()).where(
                Domain.tld_id == tld_id, Domain.created_at < month.end)
            .group_by(Domain.sponsor_id)):
        rows[registrar_id].values["total-domains"] = count
    ids = select(Domain.id).where(Domain.tld_id == tld_id)
    for registrar_id, count in session.execute(
            select(Host.sponsor_id, func.count()).where(
                Host.superordinate_id.in_(ids), Host.created_at < month.end)
            .group_by(Host.sponsor_id)):
        rows[registrar_id].values["total-nameservers"] = count
    for entry in _domain_history(session, tld, month):
        sponsor = by_clid.get(entry.snapshot.get("sponsor"))
        if sponsor is None:
            continue
        _count_transaction(session, rows[sponsor].values, entry)
    for t in session.scalars(select(Transfer).where(
            Transfer.object_type == "domain", Transfer.object_name.like(f"%.{tld}"),
            Transfer.action_at >= month.start, Transfer.action_at < month.end)):
        if t.status in ("clientApproved", "serverApproved"):
            rows[t.gaining_id].values["transfer-gaining-successful"] += 1
            rows[t.losing_id].values["transfer-losing-successful"] += 1
        elif t.status == "clientRejected":
            rows[t.gaining_id].values["transfer-gaining-nacked"] += 1
            rows[t.losing_id].values["transfer-losing-nacked"] += 1
    for row in rows.values():
        row.values["attempted-adds"] = sum(row.values[f"adds-{n}"] for n in YEARS)
        for n in YEARS:
            row.values[f"net-adds-{n}-yr"] = row.values[f"adds-{n}"] - row.values[
                f"grace-deletes-{n}"]
    return sorted(rows.values(), key=lambda r: r.name)


def transaction_values(row: RegistrarRow) -> list[str | int | None]:
    return [row.name, row.iana_id, *(None if f in NOT_RECORDED_TRANSACTIONS
                                     else row.values[f] for f in TRANSACTION_FIELDS[2:])]


def activity(session: Session, tld: str, month: Month) -> dict[str, int | None]:
    _tld_id(session, tld)
    values: dict[str, int | None] = dict.fromkeys(ACTIVITY_FIELDS, 0)
    for f in NOT_RECORDED_ACTIVITY:
        values[f] = None
    queries = query_counts.totals(session, month.start, month.end, tld)
    values["rdap-queries"] = queries["rdap"]
    values["whois-43-queries"] = queries["whois"]
    for name in (*query_counts.READ_FIELDS.values(), *query_counts.DNS_FIELDS):
        values[name] = queries[name]
    values["operational-registrars"] = session.scalar(
        select(func.count()).select_from(Registrar).where(Registrar.status == "ok"))
    for command, count in session.execute(
            select(HistoryEntry.command, func.count()).where(
                HistoryEntry.at >= month.start, HistoryEntry.at < month.end,
                or_(HistoryEntry.object_type != "domain",
                    HistoryEntry.object_name.like(f"%.{tld}")))
            .group_by(HistoryEntry.command)):
        if command in COMMAND_FIELDS:
            values[COMMAND_FIELDS[command]] += count
    for object_type, status, count in session.execute(
            select(Transfer.object_type, Transfer.status, func.count()).where(
                or_(Transfer.object_type != "domain", Transfer.object_name.like(f"%.{tld}")),
                Transfer.action_at >= month.start, Transfer.action_at < month.end)
            .group_by(Transfer.object_type, Transfer.status)):
        if status in TRANSFER_FIELDS:
            prefix = "srs-dom-" if object_type == "domain" else "srs-cont-"
            values[prefix + TRANSFER_FIELDS[status]] += count
    for object_type, count in session.execute(
            select(Transfer.object_type, func.count()).where(
                or_(Transfer.object_type != "domain", Transfer.object_name.like(f"%.{tld}")),
                Transfer.requested_at >= month.start, Transfer.requested_at < month.end)
            .group_by(Transfer.object_type)):
        prefix = "srs-dom-" if object_type == "domain" else "srs-cont-"
        values[prefix + "transfer-request"] += count
    return values


def reporting_tlds(session: Session, month: Month) -> list[str]:
    """The TLDs that owe ICANN the month's reports: the gTLDs (their RDDS profile says so;
    a ccTLD reports to no one) that existed before the month's end."""
    return list(session.scalars(select(Tld.name).where(
        Tld.rdds_profile == "gtld", Tld.created_at < month.end).order_by(Tld.name)))


def csv_reports(session: Session, tld: str, month: Month) -> dict[str, str]:
    """Both reports in ICANN's CSV, by kind: "transactions" (a line per registrar and the
    Totals line) and "activity"; read them in one snapshot so the two agree."""
    values = [transaction_values(r) for r in transactions(session, tld, month)]
    totals = ["Totals", None, *(None if any(v[i] is None for v in values)
                                else sum(v[i] for v in values)
                                for i in range(2, len(TRANSACTION_FIELDS)))]
    counts = activity(session, tld, month)
    return {"transactions": csv_text(TRANSACTION_FIELDS, [*values, totals]),
            "activity": csv_text(ACTIVITY_FIELDS, [[counts[f] for f in ACTIVITY_FIELDS]])}


def file_name(tld: str, kind: str, month: Month) -> str:
    """Specification 3's name of a report's file."""
    return f"{tld}-{kind}-{month}-en.csv"


def csv_text(header, lines) -> str:
    """ICANN's CSV: a header line, CRLF line ends, a field not recorded left empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for line in lines:
        writer.writerow(["" if v is None else v for v in line])
    return buffer.getvalue()


def _tld_id(session: Session, tld: str) -> int:
    tld_id = session.scalar(select(Tld.id).where(Tld.name == tld))
    if tld_id is None:
        raise NoSuchTld(f"TLD {tld} does not exist")
    return tld_id


def _domain_history(session: Session, tld: str, month: Month):
    return session.scalars(select(HistoryEntry).where(
        HistoryEntry.object_type == "domain", HistoryEntry.object_name.like(f"%.{tld}"),
        HistoryEntry.at >= month.start, HistoryEntry.at < month.end,
        HistoryEntry.command.in_(("domain_create", "domain_renew", "autorenew",
                                  "domain_delete", "domain_restore_report",
                                  "restore_lapsed"))).order_by(HistoryEntry.id))


def _count_transaction(session: Session, values: Counter, entry: HistoryEntry) -> None:
    snap, command = entry.snapshot, entry.command
    if command == "domain_create":
        values[f"adds-{_years(snap['created_at'], snap['expires_at'])}"] += 1
    elif command in ("domain_renew", "autorenew"):
        before = _previous_expiry(session, entry)
        years = 1 if command == "autorenew" or before is None else _years(
            before, snap["expires_at"])
        values[f"net-renews-{years}-yr"] += 1
    elif command == "domain_delete":
        if snap.get("deleted"):  # gone at once: deleted in its add grace period
            values[f"grace-deletes-{_years(snap['created_at'], snap['expires_at'])}"] += 1
            values["deleted-domains-grace"] += 1
        else:
            values["deleted-domains-nograce"] += 1
    elif command == "domain_restore_report":
        values["restored-domains"] += 1
    elif command == "restore_lapsed":
        values["restored-noreport"] += 1


def _previous_expiry(session: Session, entry: HistoryEntry) -> str | None:
    snapshot = session.scalar(select(HistoryEntry.snapshot).where(and_(
        HistoryEntry.object_type == "domain", HistoryEntry.object_id == entry.object_id,
        HistoryEntry.id < entry.id)).order_by(HistoryEntry.id.desc()).limit(1))
    return snapshot.get("expires_at") if snapshot else None


def _years(start: str, end: str) -> int:
    days = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).days
    return min(10, max(1, round(days / 365.25)))
