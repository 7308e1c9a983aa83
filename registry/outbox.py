"""Writing DNS changes to the outbox that zonegen drains (same transaction as the change)."""

from __future__ import annotations

from .flows.context import FlowContext
from .models import DnsChange


def publish(ctx: FlowContext, zone: str, *owners: str) -> None:
    """Mark the records at each owner name in ``zone`` (a TLD) for recomputation."""
    for owner in dict.fromkeys(owners):
        ctx.session.add(DnsChange(zone=zone, owner=owner, created_at=ctx.now))
