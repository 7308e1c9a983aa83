"""Prices as flows see them: fee-1.0 quotes for check, and the client's agreement on transforms."""

from __future__ import annotations

from dataclasses import dataclass

from .. import tokens
from ..errors import BillingFailure, ParameterPolicyError, ParameterRangeError
from ..models import AllocationToken, Registrar, Tld
from ..money import format_amount
from ..pricing import Quote, quote
from ..values import Fee, Period
from .context import FlowContext

FEE_COMMANDS = ("create", "renew", "transfer", "restore", "update")


@dataclass(frozen=True)
class FeeQuery:
    """One ``<fee:command>`` of a fee check."""

    command: str
    period: Period | None = None


@dataclass(frozen=True)
class FeeAgreement:
    """What the client said it would pay (``<fee:fee>`` on a transform), in its currency."""

    amount: int
    currency: str | None = None


@dataclass(frozen=True)
class QuotedFee:
    """A fee-1.0 ``<fee:command>`` answer; ``reason`` is set when no price can be given."""

    command: str
    period: Period | None
    fee: Fee | None
    price_class: str = "standard"
    reason: str | None = None


def check_currency(registrar: Registrar, currency: str | None) -> str:
    if currency and currency.upper() != registrar.currency:
        raise ParameterPolicyError(
            f"fees are charged in {registrar.currency}, not {currency.upper()}")
    return registrar.currency


def price(ctx: FlowContext, tld: Tld, label: str, operation: str, years: int,
          currency: str) -> Quote:
    return quote(ctx.session, ctx.policy.price_book(ctx.session, tld.id), tld, label,
                 operation, years, currency)


def quote_fee(ctx: FlowContext, tld: Tld, label: str, query: FeeQuery,
              registrar: Registrar, token: AllocationToken | None = None) -> QuotedFee:
    """The fee of ``query``; with an allocation token, at the token's price (RFC 8495)."""
    if query.command not in FEE_COMMANDS:
        return QuotedFee(query.command, query.period, None,
                         reason=f"no fees for the {query.command} command")
    if query.command == "update":
        return QuotedFee("update", None, Fee(0, registrar.currency, "update", True))
    if query.command == "restore":
        years, period = 1, None
    else:
        period = query.period or Period(1, "y")
        years = period.years()
        if years is None or not tld.min_period <= years <= tld.max_period:
            return QuotedFee(query.command, period, None,
                             reason=f"period must be {tld.min_period} to {tld.max_period} years")
    try:
        q = tokens.priced(price(ctx, tld, label, query.command, years, registrar.currency),
                          token)
    except (BillingFailure, ParameterPolicyError) as e:
        return QuotedFee(query.command, period, None, reason=e.reason)
    return QuotedFee(query.command, period, fee_of(q, tld), q.price_class)


def fee_of(q: Quote, tld: Tld) -> Fee:
    grace = {"create": tld.add_grace_days, "renew": tld.renew_grace_days,
             "transfer": tld.transfer_grace_days}.get(q.operation)
    return Fee(q.amount, q.currency, q.operation, refundable=grace is not None,
               grace_days=grace)


def check_agreement(q: Quote, tld: Tld, agreed: FeeAgreement | None) -> None:
    """RFC 8748 5: a fee lower than ours is refused; premium names need the fee acknowledged."""
    if agreed is None:
        if q.premium and tld.premium_requires_fee:
            raise ParameterRangeError(
                f"premium name: the {q.operation} fee of {format_amount(q.amount, q.currency)} "
                f"{q.currency} must be acknowledged with the fee extension")
        return
    if agreed.currency and agreed.currency.upper() != q.currency:
        raise ParameterPolicyError(f"fees are charged in {q.currency}, not {agreed.currency}")
    if agreed.amount < q.amount:
        raise ParameterRangeError(
            f"the {q.operation} fee is {format_amount(q.amount, q.currency)} {q.currency}; "
            f"{format_amount(agreed.amount, q.currency)} was offered")
