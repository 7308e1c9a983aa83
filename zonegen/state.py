"""What zonegen needs from the registry core: desired DNS state and its DNS events.

The core emits an event of kind ``dns.changed`` with payload ``{"zone", "owner"}`` (names
without the trailing dot) for the consumer ``"dns"`` in the same transaction as any change
that alters what ``delegation(zone, owner)`` returns (NS, glue, DS, status holds,
deletion...). An owner equal to the zone name means "the TLD itself changed" (SOA fields,
apex name servers, DNSSEC policy): zonegen then reconciles the whole zone. zonegen reads
those events through a ``registry.events.store.EventStore`` (the core's events table, or
the stand-in ``zonegen.reference_state``) with the core's consumer loop.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from zonegen.model import Delegation, ZoneDataError, ZoneSpec

# zonegen's name as a consumer of the core's events, and the kind it handles
CONSUMER = "dns"
DNS_CHANGED = "dns.changed"


@dataclass(frozen=True)
class OutboxEntry:
    """One ``dns.changed`` event as the drainer sees it."""

    id: int          # increasing: a later change of the same owner gets a larger id
    zone: str
    owner: str


@dataclass(frozen=True)
class OwnerDelegations:
    """The delegations of several owners, read together (``DesiredState.delegations_of``):
    ``get`` answers for each as ``DesiredState.delegation`` would have."""

    found: Mapping[str, Delegation] = field(default_factory=dict)
    unpublishable: Mapping[str, str] = field(default_factory=dict)  # owner -> why

    def get(self, owner: str) -> Delegation | None:
        """Raises ZoneDataError for an owner whose data cannot be published."""
        if owner in self.unpublishable:
            raise ZoneDataError(self.unpublishable[owner])
        return self.found.get(owner)


class DesiredState(Protocol):
    """The registry's view of DNS. Lookups run after the events were claimed, so any change
    committed later carries a newer event and is picked up next round."""

    def zone_spec(self, zone: str) -> ZoneSpec | None:
        """The TLD (SOA, apex NS, DNSSEC policy), or None if zonegen should not publish it."""

    def delegation(self, zone: str, owner: str) -> Delegation | None:
        """The delegation to publish for ``owner``, or None (no NS, on hold, deleted...);
        raises ZoneDataError for data that cannot be published."""

    def delegations_of(self, zone: str, owners: Collection[str]) -> OwnerDelegations:
        """``delegation`` of each owner (absolute names below the zone), all read at once
        from one snapshot: what the drainer reads for a pass."""

    def delegations(self, zone: str) -> Iterable[Delegation]:
        """Every publishable delegation of the zone, streamed (a million must not be built
        at once); unpublishable ones are reported and left out."""
