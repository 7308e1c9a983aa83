"""Writing DNS changes to the outbox that zonegen drains (same transaction as the change)."""

from __future__ import annotations

from sqlalchemy import insert

from .flows.context import FlowContext
from .models import DnsChange

# A plain INSERT: nothing reads these rows back in the transaction, and on a create's hot
# path the ORM's unit of work costs twice the statement itself.
_INSERT = insert(DnsChange.__table__)


def publish(ctx: FlowContext, zone: str, *owners: str) -> None:
    """Mark the records at each owner name in ``zone`` (a TLD) for recomputation."""
    ctx.session.execute(_INSERT, [{"zone": zone, "owner": owner, "created_at": ctx.now}
                                  for owner in dict.fromkeys(owners)])
