"""Allocation tokens (RFC 8495) on checks and creates: whether a token applies to a name,
what the name then costs, and spending it in the create's transaction.

A token is for one TLD, for one label or any label, for one registrar or any, a number of
times (once by default) within its dates. A reserved label is created only with a token
for that label (a token for any label does not unlock reserved names). A token with a
create price sets the create's price per year, in its currency, instead of the TLD's
standard or premium price (renewals pay the TLD's price); a token without one leaves the
TLD's price. Spending is one conditional UPDATE in the create's transaction: concurrent
creates with a single-use token queue on its row, and all but one find it spent.
"""

from __future__ import annotations

from sqlalchemy import select, update

from .errors import AuthorizationError, InvalidAuthorization, ParameterPolicyError
from .flows.context import FlowContext
from .models import AllocationToken, AllocationTokenUse, Tld
from .pricing import Quote

TOKEN_CLASS = "token"  # the fee-1.0 class of a price a token sets
_TOKENS = AllocationToken.__table__


def find(ctx: FlowContext, text: str) -> AllocationToken:
    """The token called ``text``; 2202 when there is none."""
    token = ctx.session.scalars(select(AllocationToken).where(
        AllocationToken.token == text.strip())).first() if text.strip() else None
    if token is None:
        raise InvalidAuthorization("allocation token not valid")
    return token


def refusal(ctx: FlowContext, token: AllocationToken, tld: Tld, label: str) -> str | None:
    """Why ``token`` does not let the acting registrar create ``label`` in ``tld`` now, or
    None when it does; short, as a check's reason is at most 32 characters."""
    if token.tld_id != tld.id or (token.label is not None and token.label != label):
        return "token is not for this name"
    if token.registrar_id is not None and token.registrar_id != ctx.actor.registrar_id:
        return "token is for another registrar"
    if token.valid_from is not None and ctx.now < token.valid_from:
        return "token is not valid yet"
    if token.valid_until is not None and ctx.now >= token.valid_until:
        return "token has expired"
    if token.max_uses is not None and token.uses >= token.max_uses:
        return "token has been used"
    return None


def check(ctx: FlowContext, token: AllocationToken, tld: Tld, label: str,
          reserved: bool) -> None:
    """2201 unless ``token`` applies to the name (and, for a reserved name, names it)."""
    reason = refusal(ctx, token, tld, label)
    if reason is None and reserved and token.label is None:
        reason = "reserved: needs its own token"
    if reason is not None:
        raise AuthorizationError(reason)


def priced(quote: Quote, token: AllocationToken | None) -> Quote:
    """The create ``quote`` with the token's price rule applied."""
    if token is None or token.create_price is None or quote.operation != "create":
        return quote
    if token.currency != quote.currency:
        raise ParameterPolicyError(f"the allocation token's price is in {token.currency}; "
                                   f"this registrar pays in {quote.currency}")
    return Quote("create", token.create_price * quote.years, quote.currency, quote.years,
                 TOKEN_CLASS)


def spend(ctx: FlowContext, token: AllocationToken, domain_id: int) -> None:
    """One use of ``token`` for the new domain; 2201 if a concurrent create used it up."""
    stmt = update(_TOKENS).where(_TOKENS.c.id == token.id).values(uses=_TOKENS.c.uses + 1)
    if token.max_uses is not None:
        stmt = stmt.where(_TOKENS.c.uses < _TOKENS.c.max_uses)
    if ctx.session.execute(stmt).rowcount != 1:
        raise AuthorizationError("token has been used")
    ctx.session.add(AllocationTokenUse(token_id=token.id, domain_id=domain_id,
                                       registrar_id=ctx.actor.registrar_id, used_at=ctx.now))


def of_domain(ctx: FlowContext, domain_id: int) -> str | None:
    """The token the domain was created with, if any."""
    return ctx.session.scalar(select(AllocationToken.token).join(
        AllocationTokenUse, AllocationTokenUse.token_id == AllocationToken.id).where(
        AllocationTokenUse.domain_id == domain_id))
