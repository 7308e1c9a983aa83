"""Writing events in the caller's transaction: a command that fails leaves none."""

from __future__ import annotations

from ..driver_statements import DriverInsert
from ..flows.context import FlowContext
from ..models import Event
from .routes import consumers_of

# One statement for every row, straight on the cursor: nothing reads these rows back in the
# transaction, and on a create's hot path SQLAlchemy's handling costs twice the statement.
_INSERT = DriverInsert(Event.__table__)


def emit(ctx: FlowContext, kind: str, *payloads: dict) -> None:
    """One row per payload and consumer of ``kind``; the registry wakes those consumers
    once the transaction has committed (``FlowContext.wake``)."""
    consumers = consumers_of(kind)
    rows = [{"consumer": consumer, "kind": kind, "payload": payload, "created_at": ctx.now,
             "attempts": 0} for payload in payloads for consumer in consumers]
    if rows:
        _INSERT.add(ctx.session, rows)
        ctx.wake.update(consumers)
