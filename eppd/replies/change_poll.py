"""changePoll-1.0 (RFC 8590): what the registry itself did to a client's object."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from eppd.namespaces import CHANGE_POLL, tag
from eppd.replies.elements import reason as short_reason
from eppd.replies.elements import root, sub, when


def change_data(operation: str, at: datetime, sv_trid: str, who: str,
                reason: str | None = None) -> etree._Element:
    data = root(CHANGE_POLL, "changePoll", "changeData")
    sub(data, tag(CHANGE_POLL, "operation"), operation)
    sub(data, tag(CHANGE_POLL, "date"), when(at))
    sub(data, tag(CHANGE_POLL, "svTRID"), sv_trid)
    sub(data, tag(CHANGE_POLL, "who"), who[:255])
    if reason:
        sub(data, tag(CHANGE_POLL, "reason"), short_reason(reason))
    return data
