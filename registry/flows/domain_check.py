"""domain:check (RFC 5731 3.1.1), with fee-1.0 quotes per name."""

from __future__ import annotations

from dataclasses import dataclass

from .. import tokens
from ..errors import EppError
from ..models import AllocationToken, Tld
from ..names import DomainName
from .context import FlowContext
from .fees import FeeQuery, QuotedFee, check_currency, quote_fee
from .lookup import acting_registrar, parse_domain_name, registered_names, reserved_reason
from .variants import variant_conflict


@dataclass(frozen=True)
class DomainCheck:
    names: tuple[str, ...]
    fees: tuple[FeeQuery, ...] = ()
    currency: str | None = None
    token: str | None = None  # RFC 8495: availability (and prices) with this token


@dataclass(frozen=True)
class NameAvailability:
    name: str
    available: bool
    reason: str | None = None
    fees: tuple[QuotedFee, ...] = ()


@dataclass(frozen=True)
class DomainCheckResult:
    names: tuple[NameAvailability, ...]
    currency: str | None = None
    code: int = 1000


ParsedName = tuple[DomainName, Tld] | EppError


def domain_check(ctx: FlowContext, cmd: DomainCheck) -> DomainCheckResult:
    registrar = acting_registrar(ctx) if cmd.fees else None
    currency = check_currency(registrar, cmd.currency) if registrar else None
    # A batch parsed every name already (batch_names); parse only what it did not.
    known: dict[str, ParsedName] = ctx.prefetched.get("parsed_names", {})
    parsed = {text: known.get(text) or _parse(ctx, text) for text in cmd.names}
    valid = [p for p in parsed.values() if not isinstance(p, EppError)]
    taken = registered_names(ctx, [n.name for n, _ in valid])
    reserved = _reserved(ctx, valid)
    token, token_error = _token(ctx, cmd.token)
    results = []
    for text, p in parsed.items():
        if isinstance(p, EppError):
            results.append(NameAvailability(text, False, p.reason))
            continue
        name, tld = p
        reserved_for = reserved.get((tld.id, name.label))
        reason = ("In use" if name.name in taken
                  else token_error or _token_reason(ctx, token, tld, name, reserved_for)
                  or _variant_reason(ctx, tld, name))
        fees = tuple(quote_fee(ctx, tld, name.label, q, registrar, token) for q in cmd.fees)
        results.append(NameAvailability(text, reason is None, reason, fees))
    return DomainCheckResult(tuple(results), currency)


def batch_names(ctx: FlowContext, commands: list[DomainCheck]) -> dict[str, ParsedName]:
    """Every name a batch of checks asks about, parsed once: Registry.execute_batch reads the
    valid ones at once into ``ctx.prefetched["domains"]`` and hands the flows this map as
    ``ctx.prefetched["parsed_names"]``."""
    return {text: _parse(ctx, text) for cmd in commands for text in cmd.names}


def _parse(ctx: FlowContext, text: str) -> ParsedName:
    try:
        return parse_domain_name(ctx, text)
    except EppError as e:
        return e


def _token(ctx: FlowContext, text: str | None
           ) -> tuple[AllocationToken | None, str | None]:
    """RFC 8495 3.1.1: a check with a token that is not valid finds every name unavailable."""
    if text is None:
        return None, None
    try:
        return tokens.find(ctx, text), None
    except EppError as e:
        return None, e.reason


def _token_reason(ctx: FlowContext, token: AllocationToken | None, tld: Tld,
                  name: DomainName, reserved: str | None) -> str | None:
    if token is None:
        return reserved
    try:
        tokens.check(ctx, token, tld, name.label, reserved is not None)
    except EppError as e:
        return e.reason
    return None


def _variant_reason(ctx: FlowContext, tld: Tld, name: DomainName) -> str | None:
    sponsor = ctx.actor.registrar_id if ctx.actor.is_registrar else None
    return variant_conflict(ctx, tld, name, sponsor)[1]


def _reserved(ctx: FlowContext, names: list[tuple[DomainName, Tld]]) -> dict:
    out = {}
    for name, tld in names:
        reason = reserved_reason(ctx, tld, name.label)
        if reason is not None:
            out[(tld.id, name.label)] = reason
    return out
