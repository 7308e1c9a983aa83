"""Reading values out of validated command elements: text, periods, authInfo, statuses."""

from __future__ import annotations

from lxml import etree

from eppd.namespaces import tag
from registry.errors import UnimplementedOption
from registry.values import Period


def text(parent: etree._Element, name: str) -> str | None:
    """Stripped text of the first child ``name`` (Clark notation), or None if absent."""
    child = parent.find(name)
    if child is None:
        return None
    return (child.text or "").strip()


def texts(parent: etree._Element, name: str) -> tuple[str, ...]:
    return tuple((c.text or "").strip() for c in parent.iterfind(name))


def period(parent: etree._Element, uri: str) -> Period | None:
    element = parent.find(tag(uri, "period"))
    if element is None:
        return None
    return Period(int(element.text), element.get("unit"))


def auth_info(parent: etree._Element, uri: str) -> tuple[str | None, str | None]:
    """``(password, roid)`` of an ``<authInfo>`` child; (None, None) when there is none.

    RFC 9154 treats an empty ``<pw/>`` as "no authInfo": the password is then "".
    """
    element = parent.find(tag(uri, "authInfo"))
    if element is None:
        return None, None
    pw = element.find(tag(uri, "pw"))
    if pw is None:
        if element.find(tag(uri, "null")) is not None:
            return "", None
        raise UnimplementedOption("only password authInfo (<pw>) is supported, not <ext>")
    return pw.text or "", pw.get("roid")


def statuses(parent: etree._Element | None, uri: str) -> tuple[str, ...]:
    if parent is None:
        return ()
    return tuple(s.get("s") for s in parent.iterfind(tag(uri, "status")))
