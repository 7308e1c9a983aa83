"""Search: one label (or label.tld) against many TLDs at once, with availability, the
reason a name cannot be had (in use, reserved and why, not allowed by the TLD's policy),
the premium flag and the user's prices for every operation side by side."""

from __future__ import annotations

from dataclasses import dataclass

from registry.flows.context import FlowContext

from .backends.base import Backend
from .errors import InvalidInput
from .names import display, to_ascii_name
from .pricing import markup_of, user_price


@dataclass(frozen=True)
class SearchResult:
    name: str  # A-labels
    unicode_name: str
    available: bool
    reason: str | None
    premium: bool
    price_class: str
    prices: dict[str, int | None]  # the user's price per operation, one year
    currency: str


def candidates(ctx: FlowContext, backend: Backend, query: object,
               tlds: list[str] | None, max_tlds: int) -> list[str]:
    """The names to check for ``query``: label.tld for each TLD asked for (all the
    backend's by default), the TLD typed in the query first."""
    if not isinstance(query, str):
        raise InvalidInput("type a name to search for", field="q")
    name = to_ascii_name(query)
    label, _, typed = name.partition(".")
    if "." in typed:
        raise InvalidInput("search for a name without subdomains, like example or "
                           "example.com", field="q")
    offered = backend.tlds(ctx)
    wanted = [to_ascii_name(t).lstrip(".") for t in tlds] if tlds else list(offered)
    if typed:
        wanted = [typed] + [t for t in wanted if t != typed]
    wanted = list(dict.fromkeys(wanted))
    if len(wanted) > max_tlds:
        raise InvalidInput(f"at most {max_tlds} TLDs at once", field="tlds")
    return [f"{label}.{tld}" for tld in wanted]


def search(ctx: FlowContext, backend: Backend, names: list[str],
           markup_percent: int) -> list[SearchResult]:
    results = []
    for offer in backend.check(ctx, names):
        results.append(SearchResult(
            offer.name, display(offer.name), offer.available, offer.reason, offer.premium,
            offer.price_class,
            {op: None if cost is None else user_price(cost, markup_of(offer, markup_percent))
             for op, cost in offer.prices.items()}, offer.currency))
    return results
