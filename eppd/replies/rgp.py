"""rgp-1.0 (RFC 3915) info and update data."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from eppd.namespaces import RGP, tag
from eppd.replies.elements import root, sub

_STATUS = tag(RGP, "rgpStatus")


def inf_data(statuses: Iterable[str]) -> etree._Element | None:
    return _data("infData", statuses)


def up_data(statuses: Iterable[str]) -> etree._Element | None:
    return _data("upData", statuses)


def _data(name: str, statuses: Iterable[str]) -> etree._Element | None:
    """None without a status: the element needs at least one."""
    element = None
    for status in statuses:
        if element is None:
            element = root(RGP, "rgp", name)
        sub(element, _STATUS, s=status)
    return element
