"""RFC 9038: data in a namespace the client did not log in with goes into ``<extValue>``."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from eppd.backend import ResultValue


def set_aside(elements: Iterable[etree._Element], accepted: frozenset[str]
              ) -> tuple[tuple[etree._Element, ...], tuple[ResultValue, ...]]:
    """``(kept, moved)``: elements the client handles, and the others as extValues."""
    kept: list[etree._Element] = []
    moved: list[ResultValue] = []
    for element in elements:
        uri = etree.QName(element).namespace
        if uri in accepted:
            kept.append(element)
        else:
            moved.append(ResultValue(element, f"{uri} not in login services"))
    return tuple(kept), tuple(moved)
