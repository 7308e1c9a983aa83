"""RFC 8590 changePoll-1.0: what the registry itself did to an object, told in a poll
message (or, to a client that did not log in with it, in an RFC 9038 extValue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from eppclient.documents import text, when
from eppclient.namespaces import CHANGE_POLL

_NS = {"cp": CHANGE_POLL}


@dataclass(frozen=True)
class Change:
    operation: str           # create, update, autoRenew, autoPurge, custom ...
    custom_op: str | None    # the op attribute ("sync", say)
    state: str               # the object data alongside is "before" or "after" the change
    at: datetime | None
    sv_trid: str | None
    who: str | None
    reason: str | None


def parse_change(node: etree._Element | None) -> Change | None:
    if node is None:
        return None
    operation = node.find("cp:operation", _NS)
    return Change(operation=operation.text.strip(), custom_op=operation.get("op"),
                  state=node.get("state", "after"), at=when(text(node, "cp:date", _NS)),
                  sv_trid=text(node, "cp:svTRID", _NS), who=text(node, "cp:who", _NS),
                  reason=text(node, "cp:reason", _NS))
