"""The operators' audit log: ``record`` in the change's transaction (a refused change leaves
no row, a committed one always has its row), ``entries`` to read it back, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from .errors import ParameterRangeError
from .flows.context import FlowContext
from .models import AuditEntry

MAX_LIST = 500
_INSERT = insert(AuditEntry.__table__)


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    actor: str
    operator_id: int | None
    action: str
    object_type: str
    object_name: str
    reason: str
    before: dict | None
    after: dict | None


def record(ctx: FlowContext, action: str, object_type: str, object_name: str,
           before: dict | None, after: dict | None, *, operator_id: int | None = None,
           reason: str = "") -> None:
    """One change by ``ctx.actor``: the object's JSON before and after it."""
    ctx.session.execute(_INSERT, {
        "at": ctx.now, "actor": ctx.actor.name[:64], "operator_id": operator_id,
        "action": action, "object_type": object_type, "object_name": object_name[:253],
        "reason": reason, "before": before, "after": after})


def entries(ctx: FlowContext, *, object_type: str | None = None,
            object_name: str | None = None, actor: str | None = None,
            before_id: int | None = None, limit: int = 100) -> list[AuditView]:
    """Newest first; ``before_id`` pages back from an entry."""
    if not 1 <= limit <= MAX_LIST:
        raise ParameterRangeError(f"limit must be between 1 and {MAX_LIST}")
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_name:
        stmt = stmt.where(AuditEntry.object_name == object_name)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    return [AuditView(e.id, e.at, e.actor, e.operator_id, e.action, e.object_type,
                      e.object_name, e.reason, e.before, e.after)
            for e in ctx.session.scalars(stmt)]
