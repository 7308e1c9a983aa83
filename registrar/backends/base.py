"""The interface the registrar sells names through, whichever registry is behind it.

Two kinds of backend share it:

- ``transactional`` ones (the local registry, local.py) run each operation inside the
  registrar's own transaction, on the same database: the user's payment, the order's state
  and the registry's change commit together or not at all.
- remote ones (an EPP registry, a PyRar peer: the interconnect issue) cannot: their
  operations cross the network, so the order processor records an item "submitted" before
  calling them and settles it from the answer, or, after a crash, from ``info`` (did the
  name become ours?), never by sending a transform twice blindly.

Every method takes the registrar's transaction context (a registry ``FlowContext`` acting
as the house registrar); errors are registry ``EppError`` values, which the core turns into
the site's (errors.from_registry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from registry.flows.context import FlowContext
from registry.flows.poll_messages import QueuedMessage
from registry.values import Disclose, DsData, HostAddress, PostalInfo, TransferData
from registry.views import DomainInfo

OPERATIONS = ("create", "renew", "transfer", "restore")


@dataclass(frozen=True)
class Offer:
    """A name as search shows it: available or why not, its price class and the registry's
    price per operation (one year; restore per event), in the backend's currency."""

    name: str  # A-labels
    available: bool
    reason: str | None
    price_class: str
    prices: dict[str, int | None]
    currency: str
    # the site's markup on this backend's prices, when it has its own (an upstream's)
    markup_percent: int | None = None

    @property
    def premium(self) -> bool:
        return self.price_class != "standard"


@dataclass(frozen=True)
class DomainChange:
    """What the user changes on a name; empty parts change nothing."""

    name: str
    add_nameservers: tuple[str, ...] = ()
    rem_nameservers: tuple[str, ...] = ()
    add_statuses: tuple[str, ...] = ()
    rem_statuses: tuple[str, ...] = ()
    authinfo: str | None = None
    ds_add: tuple[DsData, ...] = ()
    ds_rem: tuple[DsData, ...] = ()
    ds_rem_all: bool = False


class Backend(Protocol):
    name: str
    transactional: bool
    currency: str

    def tlds(self, ctx: FlowContext) -> tuple[str, ...]:
        """The TLDs it sells, as A-labels."""

    def check(self, ctx: FlowContext, names: list[str]) -> list[Offer]:
        """Availability and prices of ``names`` (A-labels or U-labels), in order."""

    # ``cost`` below: the registry's price the user's order was priced from; a backend
    # refuses to pay more (a price raised since the order fails the item, which is refunded)

    def create(self, ctx: FlowContext, name: str, years: int, authinfo: str,
               cost: int, registrant: str | None = None) -> datetime:
        """Register ``name`` (with the registrant contact, if given); its expiry."""

    def renew(self, ctx: FlowContext, name: str, years: int, cost: int) -> datetime:
        """Extend by ``years`` from the current expiry; the new expiry."""

    def restore(self, ctx: FlowContext, name: str, cost: int) -> None:
        """Bring a name back from redemption."""

    def transfer_request(self, ctx: FlowContext, name: str, authinfo: str, years: int,
                         cost: int) -> TransferData:
        """Ask for a name held elsewhere."""

    def transfer_answer(self, ctx: FlowContext, name: str, approve: bool) -> TransferData:
        """Approve or reject a transfer away from us."""

    def update(self, ctx: FlowContext, change: DomainChange) -> None:
        """Name servers, client statuses, auth code, DS records."""

    def delete(self, ctx: FlowContext, name: str) -> None:
        """Release a name (the registry's grace and redemption periods apply)."""

    def info(self, ctx: FlowContext, name: str) -> DomainInfo:
        """A name we sponsor, as the registry has it."""

    def create_host(self, ctx: FlowContext, name: str, addresses: tuple[HostAddress, ...]
                    ) -> None:
        """A glue host under one of our names."""

    def delete_host(self, ctx: FlowContext, name: str) -> None:
        """Remove a host we created."""

    def create_contact(self, ctx: FlowContext, handle: str, postal: PostalInfo, email: str,
                       voice: str | None, disclose: Disclose) -> None:
        """A registrant contact, with a random auth code of its own."""

    def update_contact(self, ctx: FlowContext, handle: str, postal: PostalInfo, email: str,
                       voice: str | None) -> None:
        """New details for a contact we created."""

    def poll(self, ctx: FlowContext) -> QueuedMessage | None:
        """The oldest unacknowledged message of the registry for us."""

    def ack(self, ctx: FlowContext, message_id: int) -> None:
        """Acknowledge ``message_id``."""


def backend_for(backend: Backend, ctx: FlowContext, name: str) -> Backend:
    """The backend that sells ``name``: a router's choice (router.py), or ``backend``."""
    choose = getattr(backend, "for_name", None)
    return choose(ctx, name) if choose is not None else backend
