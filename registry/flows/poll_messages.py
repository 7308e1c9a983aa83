"""poll (RFC 5730 2.9.2.3): read the oldest message, acknowledge it to see the next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..errors import ObjectDoesNotExist
from ..models import PollMessage
from ..poll import unacked
from .context import FlowContext
from .lookup import acting_registrar_id


@dataclass(frozen=True)
class PollRequest:
    pass


@dataclass(frozen=True)
class PollAck:
    message_id: str


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    created_at: datetime
    kind: str
    message: str
    payload: dict


@dataclass(frozen=True)
class PollResult:
    message: QueuedMessage | None

    @property
    def code(self) -> int:
        return 1301 if self.message else 1300


@dataclass(frozen=True)
class PollAcked:
    message_id: int
    code: int = 1000


def poll_request(ctx: FlowContext, cmd: PollRequest) -> PollResult:
    msg = ctx.session.scalars(
        unacked(acting_registrar_id(ctx)).order_by(PollMessage.id).limit(1)).first()
    if msg is None:
        return PollResult(None)
    return PollResult(QueuedMessage(msg.id, msg.created_at, msg.kind, msg.message, msg.payload))


def poll_ack(ctx: FlowContext, cmd: PollAck) -> PollAcked:
    me, msg = acting_registrar_id(ctx), None
    if cmd.message_id.isdigit():
        msg = ctx.session.scalars(unacked(me).where(
            PollMessage.id == int(cmd.message_id)).with_for_update()).first()
    if msg is None:
        raise ObjectDoesNotExist(f"no message {cmd.message_id} in your queue",
                                 value=cmd.message_id)
    msg.acked_at = ctx.now
    return PollAcked(msg.id)


