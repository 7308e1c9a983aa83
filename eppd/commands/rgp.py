"""rgp-1.0 (RFC 3915) on domain update: a restore request or a restore report."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from eppd.namespaces import RGP, tag
from registry.errors import ParameterSyntaxError, RequiredParameterMissing
from registry.flows.domain_restore import DomainRestoreReport, DomainRestoreRequest
from registry.flows.fees import FeeAgreement

_RESTORE = f"{tag(RGP, 'update')}/{tag(RGP, 'restore')}"
_REPORT = tag(RGP, "report")


def restore(extension: etree._Element | None, name: str, fee: FeeAgreement | None
            ) -> DomainRestoreRequest | DomainRestoreReport | None:
    element = extension.find(_RESTORE) if extension is not None else None
    if element is None:
        return None
    if element.get("op") == "request":
        return DomainRestoreRequest(name, fee)
    report = element.find(_REPORT)
    if report is None:
        raise RequiredParameterMissing("a restore report needs <rgp:report>")
    return DomainRestoreReport(
        name=name,
        pre_data=_mixed(report, "preData"),
        post_data=_mixed(report, "postData"),
        deleted_at=_datetime(report, "delTime"),
        restored_at=_datetime(report, "resTime"),
        reason=_mixed(report, "resReason"),
        statements=tuple(_content(s) for s in report.iterfind(tag(RGP, "statement"))),
        other=_mixed(report, "other") if report.find(tag(RGP, "other")) is not None else None)


def _mixed(report: etree._Element, name: str) -> str:
    return _content(report.find(tag(RGP, name)))


def _content(element: etree._Element) -> str:
    """Mixed content as text: the report is stored for the registry's records, not parsed."""
    parts = [element.text or ""]
    for child in element:
        parts.append(etree.tostring(child, encoding="unicode", with_tail=True))
    return "".join(parts).strip()


def _datetime(report: etree._Element, name: str) -> datetime:
    value = report.findtext(tag(RGP, name)).strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ParameterSyntaxError(f"rgp {name} {value!r} is not a date and time we can read",
                                   value=value) from None
    # xs:dateTime may omit the zone; RFC 3915 times are UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
