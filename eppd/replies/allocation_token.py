"""allocationToken-1.0 (RFC 8495) info response data: the token a domain was created with."""

from __future__ import annotations

from lxml import etree

from eppd.namespaces import ALLOCATION_TOKEN
from eppd.replies.elements import root


def inf_data(token: str) -> etree._Element:
    element = root(ALLOCATION_TOKEN, "allocationToken", "allocationToken")
    element.text = token
    return element
