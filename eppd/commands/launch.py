"""launch-1.0 (RFC 8334) on domain commands: claims and availability checks, creates with a
signed mark or a claims notice (registrations or applications, as the phase says), and the
info, update and delete of applications."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from eppd.namespaces import LAUNCH, tag
from registry.errors import ParameterSyntaxError
from registry.flows.launch_application import ApplicationRef
from registry.launch.create import ClaimsNotice, LaunchCreate
from schemas import NAMESPACES

_SMD = NAMESPACES["signedMark"]
_PHASE = tag(LAUNCH, "phase")
_NOTICE = tag(LAUNCH, "notice")


def check_type(extension: etree._Element | None) -> tuple[str, str] | None:
    """``(type, phase)`` of a ``<launch:check>``, or None."""
    element = _find(extension, "check")
    if element is None:
        return None
    return element.get("type") or "claims", _phase(element)[0]


def create_data(extension: etree._Element | None) -> LaunchCreate | None:
    element = _find(extension, "create")
    if element is None:
        return None
    phase, custom = _phase(element)
    return LaunchCreate(
        phase=phase, custom_name=custom,
        encoded_smds=tuple((e.text or "").strip() for e in element.iterfind(
            tag(_SMD, "encodedSignedMark"))),
        signed_marks=tuple(etree.tostring(e) for e in element.iterfind(
            tag(_SMD, "signedMark"))),
        notices=tuple(_notice(n) for n in element.iterfind(_NOTICE)),
        has_code=element.find(tag(LAUNCH, "codeMark")) is not None,
        kind=element.get("type"))


def reference(extension: etree._Element | None, verb: str
              ) -> tuple[ApplicationRef | None, bool]:
    """The application a launch info, update or delete names, and whether the launch
    element is there at all (an info without applicationID asks of a registration)."""
    element = _find(extension, verb)
    if element is None:
        return None, False
    application_id = (element.findtext(tag(LAUNCH, "applicationID")) or "").strip()
    if not application_id:
        return None, True
    phase, custom = _phase(element)
    return ApplicationRef(phase, application_id, custom), True


def _find(extension: etree._Element | None, name: str) -> etree._Element | None:
    return extension.find(tag(LAUNCH, name)) if extension is not None else None


def _phase(element: etree._Element) -> tuple[str, str]:
    phase = element.find(_PHASE)
    name = (phase.text or "").strip()
    return name, (phase.get("name") or "").strip() if name == "custom" else ""


def _notice(element: etree._Element) -> ClaimsNotice:
    notice_id = element.find(tag(LAUNCH, "noticeID"))
    return ClaimsNotice((notice_id.text or "").strip(), _when(element, "notAfter"),
                        _when(element, "acceptedDate"), notice_id.get("validatorID") or "tmch")


def _when(element: etree._Element, name: str) -> datetime:
    value = (element.findtext(tag(LAUNCH, name)) or "").strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ParameterSyntaxError(f"launch {name} {value!r} is not a date and time we can "
                                   "read", value=value) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
