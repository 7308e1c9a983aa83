"""Prices: the TLD's standard price per operation and currency, overridden by premium rules."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import BillingFailure
from .models import PremiumRule, Tld
from .policy_cache import PriceBook


@dataclass(frozen=True)
class Quote:
    operation: str
    amount: int  # minor units, for the whole period
    currency: str
    years: int
    price_class: str  # "standard" or the premium rule's class name

    @property
    def premium(self) -> bool:
        return self.price_class != "standard"


def quote(session: Session, book: PriceBook, tld: Tld, label: str, operation: str, years: int,
          currency: str) -> Quote:
    """The price of ``operation`` on ``label`` for ``years`` (restore is per event, not year).

    Exact-name premium rules win over regular expressions; among regexes the oldest wins.
    Raises BillingFailure when the TLD has no price for the registrar's currency.
    """
    price_class, unit = "standard", None
    rule = _premium_name(session, tld, label, currency) if book.has_names else None
    if rule is not None and getattr(rule, operation) is not None:
        price_class, unit = rule.class_name, getattr(rule, operation)
    else:
        for regex in book.regexes:
            if regex.currency == currency and regex.pattern.search(label):
                if regex.prices[operation] is not None:
                    price_class, unit = regex.class_name, regex.prices[operation]
                break
    if unit is None:
        unit = book.standard.get((operation, currency))
    if unit is None:
        raise BillingFailure(f"no {operation} price for .{tld.name} in {currency}")
    multiplier = 1 if operation == "restore" else years
    return Quote(operation, unit * multiplier, currency, years, price_class)


def _premium_name(session: Session, tld: Tld, label: str, currency: str) -> PremiumRule | None:
    return session.scalars(select(PremiumRule).where(
        PremiumRule.tld_id == tld.id, PremiumRule.currency == currency,
        PremiumRule.kind == "name", PremiumRule.pattern == label)).first()
