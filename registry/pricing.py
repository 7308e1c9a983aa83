"""Prices: the TLD's standard price per operation and currency, overridden by premium rules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import BillingFailure
from .models import PremiumRule, Price, Tld


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


def quote(session: Session, tld: Tld, label: str, operation: str, years: int,
          currency: str) -> Quote:
    """The price of ``operation`` on ``label`` for ``years`` (restore is per event, not year).

    Raises BillingFailure when the TLD has no price for the registrar's currency.
    """
    rule = premium_rule(session, tld, label, currency)
    unit = getattr(rule, operation, None) if rule else None
    price_class = rule.class_name if rule and unit is not None else "standard"
    if unit is None:
        unit = session.scalar(select(Price.amount).where(
            Price.tld_id == tld.id, Price.operation == operation, Price.currency == currency))
    if unit is None:
        raise BillingFailure(f"no {operation} price for .{tld.name} in {currency}")
    multiplier = 1 if operation == "restore" else years
    return Quote(operation, unit * multiplier, currency, years, price_class)


def premium_rule(session: Session, tld: Tld, label: str, currency: str) -> PremiumRule | None:
    """Exact-name rules win over regular expressions; among regexes the oldest rule wins."""
    base = select(PremiumRule).where(PremiumRule.tld_id == tld.id,
                                     PremiumRule.currency == currency)
    exact = session.scalars(base.where(PremiumRule.kind == "name",
                                       PremiumRule.pattern == label)).first()
    if exact:
        return exact
    for rule in session.scalars(base.where(PremiumRule.kind == "regex").order_by(PremiumRule.id)):
        if re.search(rule.pattern, label):
            return rule
    return None
