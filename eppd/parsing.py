"""Bytes of one EPP frame to an lxml tree, refusing every DTD feature and unbounded input."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

# RFC 5734 leaves the frame size to the server; a real EPP command is a few KiB, so 1 MiB
# is generous and still bounds what one frame can cost us.
MAX_FRAME_BYTES = 1 << 20

# Stricter than libxml2's own 256 without huge_tree: the deepest EPP payload (a launch
# signed mark with its dsig:Signature) is about 12 levels.
MAX_DEPTH = 64

_REASON_LIMIT = 200


@dataclass(eq=False)
class FrameRejected(Exception):
    """The frame is not safe, well-formed XML; ``reason`` says why in one line."""

    reason: str

    def __str__(self) -> str:
        return self.reason


def parse_frame(data: bytes, *, max_bytes: int = MAX_FRAME_BYTES) -> etree._Element:
    """Parse one frame; any DOCTYPE, entity, oversized or malformed input is refused."""
    if len(data) > max_bytes:
        raise FrameRejected(f"frame of {len(data)} bytes exceeds the {max_bytes}-byte limit")
    # Fast refusal before libxml2 sees a DTD at all; the docinfo check below also covers
    # encodings in which these markers are not plain ASCII bytes.
    if b"<!DOCTYPE" in data:
        raise FrameRejected("DOCTYPE declarations are not allowed in EPP frames")
    if b"<!ENTITY" in data:
        raise FrameRejected("entity declarations are not allowed in EPP frames")
    try:
        root = etree.fromstring(data, _hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise FrameRejected(_syntax_reason(exc)) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise FrameRejected("DOCTYPE declarations are not allowed in EPP frames")
    _check_tree(root)
    return root


def _hardened_parser() -> etree.XMLParser:
    # A parser per frame: no shared mutable state, and its cost is a few microseconds.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=False,
    )


def _check_tree(root: etree._Element) -> None:
    """Refuse unexpanded entity references and trees deeper than MAX_DEPTH."""
    depth_of: dict[etree._Element, int] = {root: 1}
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise FrameRejected(f"entity reference &{node.name}; is not allowed in EPP frames")
        parent = node.getparent()
        if parent is None:
            continue
        depth = depth_of[parent] + 1
        if depth > MAX_DEPTH:
            raise FrameRejected(f"element nesting deeper than {MAX_DEPTH} levels")
        depth_of[node] = depth


def _syntax_reason(exc: etree.XMLSyntaxError) -> str:
    # libxml2's message already ends with the line and column.
    message = " ".join(str(exc.msg or exc).split())
    return _trim(f"malformed XML: {message}")


def _trim(text: str) -> str:
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 3] + "..."
