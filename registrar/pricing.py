"""What users pay: the registry's price plus the site's markup, rounded up to a minor unit."""

from __future__ import annotations


def user_price(cost: int, markup_percent: int) -> int:
    return -(-cost * (100 + markup_percent) // 100)
