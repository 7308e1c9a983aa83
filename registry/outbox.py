"""The DNS producer: "the records at these owners may have changed" for zonegen, as events
of kind ``dns.changed`` written in the caller's transaction."""

from __future__ import annotations

from .events.emit import emit
from .flows.context import FlowContext

DNS_CHANGED = "dns.changed"


def publish(ctx: FlowContext, zone: str, *owners: str) -> None:
    """Mark the records at each owner name in ``zone`` (a TLD) for recomputation; an owner
    equal to the zone means the TLD itself (SOA, apex, DNSSEC policy)."""
    emit(ctx, DNS_CHANGED, *({"zone": zone, "owner": owner} for owner in dict.fromkeys(owners)))
