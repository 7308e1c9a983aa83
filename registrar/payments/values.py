"""The values providers and the rules exchange: what a verified event says, what a checkout
is, and why an event or a call was refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..views import Money

# What a verified event is about. "paid": ``amount`` is the total the provider says it has
# received for the payment; "refunded" and "disputed": money taken back (``cumulative``: the
# total taken back so far, else this event's own amount); "dispute_won": money a dispute
# took, given back; "approved": the payer approved (PayPal: we capture); "failed": nothing
# will come; "other": an event we do not use.
KINDS = ("paid", "refunded", "disputed", "dispute_won", "approved", "failed", "other")


class Refused(Exception):
    """An event we cannot believe came from the provider (no or bad signature, tampered,
    too old, malformed): nothing changes, the sender is answered 400."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProviderUnavailable(Exception):
    """A call to the provider failed in a way worth trying again later (network, 5xx)."""


class ProviderRefused(Exception):
    """The provider said no to a call (4xx): trying again will not help."""


@dataclass(frozen=True)
class VerifiedEvent:
    provider: str
    event_id: str  # the provider's, unique per provider
    type: str  # the provider's name for it (for the log)
    kind: str
    payment_id: int | None = None  # ours, as we gave it to the provider at the checkout
    provider_ref: str | None = None  # the checkout (PaymentIntent, order, invoice)
    provider_payment: str | None = None  # what refunds and disputes name
    amount: int | None = None  # minor units of ``currency``
    currency: str | None = None
    cumulative: bool = True
    # a card the payment saved at the provider for later off-session charges
    customer: str | None = None
    payment_method: str | None = None


@dataclass(frozen=True)
class CheckoutRequest:
    """What a provider's checkout is made from."""

    payment_id: int
    amount: int
    currency: str
    description: str
    return_url: str  # where the payer comes back to (the payment's page on the site)
    cancel_url: str
    notify_url: str  # our webhook, for providers that take it per checkout (NowPayments)
    user_id: int = 0
    customer: str | None = None  # the user's customer at the provider, if made already
    save_card: bool = False  # keep the card for off-session charges (auto-renewals)
    off_session_method: str | None = None  # charge this saved card now, the user away


@dataclass(frozen=True)
class RefundRequest:
    """An operator's refund, as the provider is asked for it; ``key`` makes asking twice
    (a retry after a crash) one refund."""

    payment_id: int
    provider_payment: str
    amount: int
    currency: str
    key: str


@dataclass(frozen=True)
class Checkout:
    provider_ref: str
    # where the payer goes (Stripe Checkout, PayPal approval, NowPayments invoice)
    url: str | None = None
    customer: str | None = None  # the user's customer at the provider (saved cards)


@dataclass(frozen=True)
class Outcome:
    """What a verified event did: "credited", "debited", "duplicate", "capture" (PayPal:
    capture queued), "noted" (recorded, no money moved) or "ignored" (``reason`` says
    why)."""

    result: str
    reason: str = ""
    amount: int = 0
    payment_id: int | None = None


@dataclass(frozen=True)
class PaymentView:
    id: int
    provider: str
    purpose: str
    status: str
    amount: Money
    received: Money
    reversed: Money
    checkout_url: str | None
    created_at: datetime
    paid_at: datetime | None
    error: str | None
    order_id: int | None = None  # purpose "order": the order placed once it was paid


def our_id(text: object) -> int | None:
    """Our payment id as we gave it to a provider (metadata, custom id, order id)."""
    text = str(text) if isinstance(text, int) else text
    return int(text) if isinstance(text, str) and text.isdigit() and len(text) < 19 else None
