"""Building request documents and parsing answers with lxml: user data only ever enters
a frame as element text or attribute values, which lxml escapes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lxml import etree

from eppclient.errors import FrameError
from eppclient.namespaces import EPP, PREFIXES

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=False, remove_blank_text=True)


def parse(frame: bytes) -> etree._Element:
    """The ``<epp>`` root of a frame; a DOCTYPE (entity expansion, external reads) or
    anything but ``<epp>`` is refused."""
    try:
        tree = etree.fromstring(frame, _PARSER).getroottree()
    except etree.XMLSyntaxError as e:
        raise FrameError(f"the server sent malformed XML: {e}") from e
    if tree.docinfo.doctype:
        raise FrameError("the server sent a DOCTYPE")
    root = tree.getroot()
    if root.tag != f"{{{EPP}}}epp":
        raise FrameError(f"the server sent <{root.tag}> instead of <epp>")
    return root


def element(uri: str, name: str, text: object = None, /, **attributes: object) -> etree._Element:
    node = etree.Element(f"{{{uri}}}{name}", nsmap={PREFIXES.get(uri): uri})
    _fill(node, text, attributes)
    return node


def child(parent: etree._Element, uri: str, name: str, text: object = None, /,
          **attributes: object) -> etree._Element:
    same = etree.QName(parent).namespace == uri
    node = etree.SubElement(parent, f"{{{uri}}}{name}",
                            nsmap=None if same else {PREFIXES.get(uri): uri})
    _fill(node, text, attributes)
    return node


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _fill(node: etree._Element, text: object, attributes: dict[str, object]) -> None:
    if text is not None:
        node.text = str(text)
    for key, value in attributes.items():
        if value is not None:
            node.set(key, str(value))


def text(node: etree._Element | None, path: str, namespaces: dict[str, str]) -> str | None:
    if node is None:
        return None
    value = node.findtext(path, namespaces=namespaces)
    return value.strip() if value is not None else None


def when(value: str | None) -> datetime | None:
    """An EPP dateTime (``2026-12-02T12:00:00.0Z``) as an aware datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(value: date | datetime) -> str:
    """The date part, as ``curExpDate`` wants it."""
    return (value.date() if isinstance(value, datetime) else value).isoformat()
