"""What zonegen needs from the registry core: desired DNS state and the DNS outbox.

The core writes an outbox row ``(zone, owner)`` in the same transaction as any change that
alters what ``delegation(zone, owner)`` returns (NS, glue, DS, status holds, deletion...). An
owner equal to the zone name means "the TLD itself changed" (SOA fields, apex name servers,
DNSSEC policy): zonegen then reconciles the whole zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from zonegen.model import Delegation, ZoneSpec


@dataclass(frozen=True)
class OutboxEntry:
    id: int          # increasing: a later change of the same owner gets a larger id
    zone: str
    owner: str


class DesiredState(Protocol):
    """The registry's view of DNS. Lookups run after ``Outbox.pending`` returned, so any
    change committed later carries a newer outbox entry and is picked up next round."""

    def zone_spec(self, zone: str) -> ZoneSpec | None:
        """The TLD (SOA, apex NS, DNSSEC policy), or None if zonegen should not publish it."""

    def delegation(self, zone: str, owner: str) -> Delegation | None:
        """The delegation to publish for ``owner``, or None (no NS, on hold, deleted...)."""

    def delegations(self, zone: str) -> Iterable[Delegation]:
        """Every delegation of the zone, streamed (a million must not be built at once)."""


class Outbox(Protocol):
    def pending(self, limit: int) -> list[OutboxEntry]:
        """Oldest unprocessed entries first."""

    def done(self, ids: Sequence[int]) -> None:
        """Remove exactly these entries (never newer ones for the same owner)."""
