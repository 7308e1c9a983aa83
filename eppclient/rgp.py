"""RFC 3915 rgp-1.0: restore request and restore report (both on a domain update)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from eppclient.documents import child, element
from eppclient.namespaces import RGP

_NS = {"r": RGP}
# RFC 3915 3.4.2: the two statements a restore report must make.
STATEMENTS = (
    "This registrar has not restored the Registered Name in order to assume the rights to "
    "use or sell the Registered Name for itself or for any third party.",
    "The information in this report is true to best of this registrar's knowledge, and this "
    "registrar acknowledges that intentionally supplying false information in this report "
    "shall constitute an incurable material breach of the Registry-Registrar Agreement.",
)


@dataclass(frozen=True)
class RestoreReport:
    pre_data: str            # whois data before the deletion
    post_data: str           # and now
    deleted_at: datetime
    restored_at: datetime
    reason: str
    statements: tuple[str, ...] = STATEMENTS
    other: str | None = None


def request_extension() -> etree._Element:
    node = element(RGP, "update")
    child(node, RGP, "restore", op="request")
    return node


def report_extension(report: RestoreReport) -> etree._Element:
    node = element(RGP, "update")
    body = child(child(node, RGP, "restore", op="report"), RGP, "report")
    child(body, RGP, "preData", report.pre_data)
    child(body, RGP, "postData", report.post_data)
    child(body, RGP, "delTime", _stamp(report.deleted_at))
    child(body, RGP, "resTime", _stamp(report.restored_at))
    child(body, RGP, "resReason", report.reason)
    for statement in report.statements:
        child(body, RGP, "statement", statement)
    if report.other:
        child(body, RGP, "other", report.other)
    return node


def parse_statuses(ext: etree._Element | None) -> tuple[str, ...]:
    """``<rgp:infData>`` / ``<rgp:upData>``: the grace-period statuses."""
    if ext is None:
        return ()
    return tuple(s.get("s") for s in ext.findall("r:rgpStatus", _NS))


def _stamp(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
