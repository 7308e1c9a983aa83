"""What the operators' console shows of each upstream: its definition (never its password
or key), how the draining of its poll queue goes, the order items still on their way to
it, and the messages it sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from registry.flows.context import FlowContext

from .models import SiteOrder, SiteOrderItem, SiteUpstream, SiteUpstreamMessage
from .upstreams import UpstreamView, find

# items whose registry has not said yet: not sent (a process died first), sent and not
# settled, or accepted by the registry as pending (RFC 5730 1001, its panData to come)
UNDER_WAY = ("pending", "submitted", "awaiting")


@dataclass(frozen=True)
class PendingItem:
    order_id: int
    item_id: int
    name: str
    operation: str
    status: str
    submitted_at: datetime | None


@dataclass(frozen=True)
class MessageRow:
    msg_id: str
    received_at: datetime
    summary: str


@dataclass(frozen=True)
class UpstreamStatus:
    upstream: UpstreamView
    state: str                  # "polling", "failing" or "not polled yet"
    polled_at: datetime | None
    poll_error: str | None
    markup_percent: int         # the one applied: its own, or the site's default
    markup_is_default: bool
    messages: int
    last_message_at: datetime | None
    pending: tuple[PendingItem, ...]


def statuses(ctx: FlowContext, default_markup: int) -> list[UpstreamStatus]:
    return [_status(ctx, row, default_markup) for row in ctx.session.scalars(
        select(SiteUpstream).order_by(SiteUpstream.name))]


def detail(ctx: FlowContext, name: str, default_markup: int, limit: int = 50) -> dict:
    """One upstream's status and its latest messages, newest first."""
    row = find(ctx, name)
    messages = ctx.session.scalars(select(SiteUpstreamMessage).where(
        SiteUpstreamMessage.upstream == row.name).order_by(
        SiteUpstreamMessage.id.desc()).limit(limit))
    return {"status": _status(ctx, row, default_markup),
            "messages": [MessageRow(m.msg_id, m.received_at, m.summary) for m in messages]}


def _status(ctx: FlowContext, row: SiteUpstream, default_markup: int) -> UpstreamStatus:
    state = ("not polled yet" if row.polled_at is None else
             "failing" if row.poll_error else "polling")
    count, last = ctx.session.execute(select(
        func.count(SiteUpstreamMessage.id), func.max(SiteUpstreamMessage.received_at)).where(
        SiteUpstreamMessage.upstream == row.name)).one()
    return UpstreamStatus(
        UpstreamView.of(row), state, row.polled_at, row.poll_error,
        default_markup if row.markup_percent is None else row.markup_percent,
        row.markup_percent is None, count, last, _pending(ctx, row.tlds))


def _pending(ctx: FlowContext, tlds: list[str], limit: int = 100
             ) -> tuple[PendingItem, ...]:
    if not tlds:
        return ()
    rows = ctx.session.execute(select(SiteOrderItem, SiteOrder.id).join(
        SiteOrder, SiteOrder.id == SiteOrderItem.order_id).where(
        SiteOrder.status == "paid", SiteOrderItem.status.in_(UNDER_WAY),
        or_(*(SiteOrderItem.domain.endswith(f".{t}", autoescape=True) for t in tlds))
    ).order_by(SiteOrderItem.id).limit(limit))
    return tuple(PendingItem(order_id, i.id, i.domain, i.operation, i.status,
                             i.submitted_at) for i, order_id in rows)
