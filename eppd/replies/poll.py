"""Poll messages (RFC 5730 2.9.2.3) as responses: object data, changePoll, RFC 9038.

Each message kind is rendered with the object mapping clients already parse for it:
transfers as ``trnData``, auto-renewals as ``renData``, the final deletion after
redemption as ``panData`` (the pending action of the 1001 delete completed), and an
application's allocation or rejection as ``panData`` of its 1001 create with
``launch:infData``. What the
registry did on its own (auto-renew, auto-approve, purge) also carries changePoll-1.0
``changeData``. Elements in a namespace the client did not log in with are moved into
``<extValue>`` of the result (RFC 9038), so nothing is lost when the message is acked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from eppd.backend import CommandReply, MessageQueue
from eppd.replies import change_poll, contact, domain, launch
from eppd.replies.unhandled import set_aside
from registry.flows.poll_messages import QueuedMessage
from registry.values import LaunchInfo, QueueInfo, TransferData

# Transfer outcomes nobody asked for: the registry decided them.
_SERVER_DECIDED = {"serverApproved": "approved by the registry after the pending period",
                   "serverCancelled": "cancelled by the registry"}


@dataclass(frozen=True)
class PollContext:
    obj_uris: frozenset[str]
    ext_uris: frozenset[str]
    server_id: str  # changePoll "who"
    trid_prefix: str  # for the svTRID of events that recorded none


def message_reply(message: QueuedMessage, queue: QueueInfo | None,
                  ctx: PollContext) -> CommandReply:
    res_data, extensions = _render(message, ctx)
    res_data, moved = set_aside(res_data, ctx.obj_uris)
    extensions, moved_ext = set_aside(extensions, ctx.ext_uris)
    count = queue.count if queue is not None else 1
    return CommandReply(
        1301, values=moved + moved_ext, res_data=res_data, extensions=extensions,
        msg_queue=MessageQueue(count, str(message.id), message.created_at, message.message))


def _render(message: QueuedMessage, ctx: PollContext
            ) -> tuple[list[etree._Element], list[etree._Element]]:
    payload = message.payload or {}
    sv_trid = payload.get("svtrid") or f"{ctx.trid_prefix}-MSG-{message.id}"
    if message.kind in ("domain_transfer", "contact_transfer") and "transfer" in payload:
        transfer = _transfer(payload["transfer"])
        mapping = domain if payload.get("object_type", "domain") == "domain" else contact
        extensions = []
        if transfer.status in _SERVER_DECIDED:
            extensions.append(change_poll.change_data(
                "transfer", transfer.action_at, sv_trid, ctx.server_id,
                _SERVER_DECIDED[transfer.status]))
        return [mapping.trn_data(transfer)], extensions
    if message.kind == "autorenew" and "name" in payload:
        return ([domain.ren_data(payload["name"], _datetime(payload["expires_at"]))],
                [change_poll.change_data("autoRenew", message.created_at, sv_trid,
                                         ctx.server_id, "expiry reached")])
    if message.kind == "domain_deleted" and "name" in payload:
        at = _datetime(payload["at"]) if payload.get("at") else message.created_at
        return ([domain.pan_data(payload["name"], bool(payload.get("result", True)),
                                 payload.get("cltrid"), sv_trid, at)],
                [change_poll.change_data("autoPurge", at, sv_trid, ctx.server_id,
                                         "redemption period ended")])
    if message.kind == "launch_application" and "name" in payload:
        at = _datetime(payload["at"]) if payload.get("at") else message.created_at
        return ([domain.pan_data(payload["name"], bool(payload.get("result")),
                                 payload.get("cltrid"), sv_trid, at)],
                [launch.inf_data(LaunchInfo(payload["phase"], payload.get("custom_name", ""),
                                            payload["application_id"], payload["status"]))])
    # low_balance and anything else: the message text says it all (no registered mapping)
    return [], []


def _transfer(data: dict) -> TransferData:
    return TransferData(
        name=data["name"], status=data["status"], gaining_clid=data["gaining"],
        requested_at=_datetime(data["requested_at"]), losing_clid=data["losing"],
        action_at=_datetime(data["action_at"]),
        expires_at=_datetime(data["expires_at"]) if data.get("expires_at") else None)


def _datetime(text: str) -> datetime:
    return datetime.fromisoformat(text)
