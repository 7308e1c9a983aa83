"""What users pay: the registry's price plus the site's markup, rounded up to a minor unit."""

from __future__ import annotations

from .backends.base import Offer


def user_price(cost: int, markup_percent: int) -> int:
    return -(-cost * (100 + markup_percent) // 100)


def markup_of(offer: Offer, default_percent: int) -> int:
    """The markup on ``offer``: its backend's own (an upstream's), else the site's."""
    return default_percent if offer.markup_percent is None else offer.markup_percent
