"""domain:check (RFC 5731 3.1.1), with fee-1.0 quotes per name."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from ..errors import EppError
from ..models import Domain, Tld
from ..names import DomainName
from .context import FlowContext
from .fees import FeeQuery, QuotedFee, check_currency, quote_fee
from .lookup import acting_registrar, find_domain, parse_domain_name, reserved_reason


@dataclass(frozen=True)
class DomainCheck:
    names: tuple[str, ...]
    fees: tuple[FeeQuery, ...] = ()
    currency: str | None = None


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


def domain_check(ctx: FlowContext, cmd: DomainCheck) -> DomainCheckResult:
    registrar = acting_registrar(ctx) if cmd.fees else None
    currency = check_currency(registrar, cmd.currency) if registrar else None
    parsed: dict[str, tuple[DomainName, Tld] | EppError] = {}
    for text in cmd.names:
        try:
            parsed[text] = parse_domain_name(ctx, text)
        except EppError as e:
            parsed[text] = e
    valid = [p for p in parsed.values() if not isinstance(p, EppError)]
    taken = _registered(ctx, [n.name for n, _ in valid])
    reserved = _reserved(ctx, valid)
    results = []
    for text, p in parsed.items():
        if isinstance(p, EppError):
            results.append(NameAvailability(text, False, p.reason))
            continue
        name, tld = p
        reason = ("In use" if name.name in taken
                  else reserved.get((tld.id, name.label)))
        fees = tuple(quote_fee(ctx, tld, name.label, q, registrar) for q in cmd.fees)
        results.append(NameAvailability(text, reason is None, reason, fees))
    return DomainCheckResult(tuple(results), currency)


# Built once: a check is the hottest path, and rebuilding statements costs more than running them.
DOMAIN_ROWS = select(Domain.name, Domain.next_event_at).where(
    Domain.name.in_(bindparam("names", expanding=True)))


def batch_names(ctx: FlowContext, commands: list[DomainCheck]) -> list[str]:
    """The names a batch of checks looks up (Registry.execute_batch reads them at once into
    ``ctx.prefetched["domains"]``)."""
    names = []
    for cmd in commands:
        for text in cmd.names:
            with contextlib.suppress(EppError):
                names.append(parse_domain_name(ctx, text)[0].name)
    return names


def _registered(ctx: FlowContext, names: list[str]) -> set[str]:
    rows = ctx.prefetched.get("domains")
    if rows is None:
        rows = _domain_rows(ctx, names)
    # A row whose lifecycle is due may be about to be purged: settle it to know.
    return {name for name in names if name in rows and (
        rows[name] is None or rows[name] > ctx.now or find_domain(ctx, name) is not None)}


def _reserved(ctx: FlowContext, names: list[tuple[DomainName, Tld]]) -> dict:
    out = {}
    for name, tld in names:
        reason = reserved_reason(ctx, tld, name.label)
        if reason is not None:
            out[(tld.id, name.label)] = reason
    return out


def _domain_rows(ctx: FlowContext, names: list[str]) -> dict:
    """Existing names with when their lifecycle next needs settling."""
    if not names:
        return {}
    return dict(ctx.session.connection().execute(DOMAIN_ROWS, {"names": list(set(names))}).all())
