"""Issuing allocation tokens (RFC 8495): for a TLD, for one label or any, for one registrar
or any, a number of uses, dates, and an optional create price (see registry/tokens.py)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..errors import ObjectDoesNotExist, ObjectExists, ParameterRangeError, ParameterSyntaxError
from ..flows.context import FlowContext
from ..models import AllocationToken, Registrar, Tld
from ..money import check_currency
from .registrars import get_registrar
from .tlds import get_tld, tld_label

# RFC 8495 leaves the token's form to the server: printable, no spaces, at most our column.
TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
MIN_TOKEN_LENGTH = 16  # a token is a bearer secret: short ones are guessed


@dataclass(frozen=True)
class TokenTerms:
    label: str | None = None  # None: any label of the TLD
    registrar: str | None = None  # a clid; None: any registrar
    max_uses: int | None = 1  # None: no limit
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    create_price: int | None = None  # minor units per year, in ``currency``
    currency: str | None = None


def add_token(ctx: FlowContext, tld_name: str, terms: TokenTerms,
              token: str | None = None) -> AllocationToken:
    """A new token on ``terms``; ``token`` is its text, or a random one."""
    tld = get_tld(ctx, tld_name)
    text = secrets.token_urlsafe(24) if token is None else _check_text(token)
    if ctx.session.scalars(select(AllocationToken.id).where(
            AllocationToken.token == text)).first() is not None:
        raise ObjectExists("that allocation token exists already")
    if terms.max_uses is not None and terms.max_uses < 1:
        raise ParameterRangeError("a token is good for at least one use")
    if terms.valid_from and terms.valid_until and terms.valid_until <= terms.valid_from:
        raise ParameterRangeError("a token must end after it starts")
    if (terms.create_price is None) != (terms.currency is None):
        raise ParameterSyntaxError("a token's create price needs its currency")
    if terms.create_price is not None and terms.create_price < 0:
        raise ParameterRangeError("a price cannot be negative")
    row = AllocationToken(
        token=text, tld_id=tld.id,
        label=tld_label(tld, terms.label) if terms.label else None,
        registrar_id=get_registrar(ctx, terms.registrar).id if terms.registrar else None,
        max_uses=terms.max_uses, uses=0, valid_from=terms.valid_from,
        valid_until=terms.valid_until, create_price=terms.create_price,
        currency=check_currency(terms.currency) if terms.currency else None,
        created_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    return row


def _check_text(token: str) -> str:
    text = token.strip()
    if not MIN_TOKEN_LENGTH <= len(text) <= 64 or not set(text) <= TOKEN_CHARS:
        raise ParameterSyntaxError(
            f"a token is {MIN_TOKEN_LENGTH} to 64 letters, digits and -_.~")
    return text


@dataclass(frozen=True)
class TokenRow:
    token: AllocationToken
    tld: str
    registrar: str | None


def list_tokens(ctx: FlowContext, tld_name: str | None = None) -> list[TokenRow]:
    stmt = (select(AllocationToken, Tld.name, Registrar.clid)
            .join(Tld, Tld.id == AllocationToken.tld_id)
            .outerjoin(Registrar, Registrar.id == AllocationToken.registrar_id)
            .order_by(Tld.name, AllocationToken.id))
    if tld_name is not None:
        stmt = stmt.where(AllocationToken.tld_id == get_tld(ctx, tld_name).id)
    return [TokenRow(*row) for row in ctx.session.execute(stmt)]


def remove_token(ctx: FlowContext, token: str) -> bool:
    """Remove an unused token; a used one is only revoked (it ends now), as the domains it
    created still name it. Returns whether the token was removed."""
    row = ctx.session.scalars(select(AllocationToken).where(
        AllocationToken.token == token.strip()).with_for_update()).first()
    if row is None:
        raise ObjectDoesNotExist("no such allocation token")
    if row.uses:
        row.valid_until = ctx.now
        return False
    ctx.session.delete(row)
    return True
