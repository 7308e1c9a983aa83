"""Bytes of one EPP frame to an lxml tree, refusing every DTD feature and unbounded input."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

# RFC 5734 leaves the frame size to the server; a real EPP command is a few KiB, so 1 MiB
# is generous and still bounds what one frame can cost us.
MAX_FRAME_BYTES = 1 << 20

# Nesting needs no check of ours: without huge_tree libxml2 refuses trees deeper than 256
# levels (the deepest EPP payload, a launch signed mark with its signature, is about 12),
# text nodes over 10 MB and entity amplification.

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
    # Without a DTD no entity can be declared, so the tree holds no entity references:
    # undeclared ones are a syntax error above, the predefined ones are always expanded.
    return root


def _hardened_parser() -> etree.XMLParser:
    # A parser per frame: no shared mutable state, for well under a microsecond.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=False,
    )


def _syntax_reason(exc: etree.XMLSyntaxError) -> str:
    # libxml2's message already ends with the line and column.
    message = " ".join(str(exc.msg or exc).split())
    return _trim(f"malformed XML: {message}")


def _trim(text: str) -> str:
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 3] + "..."
