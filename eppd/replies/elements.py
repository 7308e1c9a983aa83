"""Building response elements: a namespaced root, children, dates, amounts."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from eppd.responses import format_datetime

# RFC 5730 eppcom:reasonType is at most 32 characters.
MAX_REASON = 32


def root(uri: str, prefix: str, name: str) -> etree._Element:
    return etree.Element(f"{{{uri}}}{name}", nsmap={prefix: uri})


def sub(parent: etree._Element, qname: str, text: str | None = None,
        **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, qname, attributes) if attributes else \
        etree.SubElement(parent, qname)
    if text is not None:
        element.text = text
    return element


def when(moment: datetime) -> str:
    return format_datetime(moment)


def flag(value: bool) -> str:
    return "1" if value else "0"


def reason(text: str) -> str:
    """A reason cut to fit eppcom:reasonType (32 characters), on a word if one is near."""
    text = " ".join(text.split())
    if len(text) <= MAX_REASON:
        return text
    cut = text[: MAX_REASON - 3]
    space = cut.rfind(" ")
    return (cut[:space] if space > 20 else cut).rstrip(" ,;:") + "..."
