"""Operating TLDs: create them, change their policy, price them, reserve and premium names."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from .. import outbox
from ..errors import ObjectDoesNotExist, ObjectExists, ParameterPolicyError, ParameterSyntaxError
from ..flows.context import FlowContext
from ..models import DATA_MODELS, OPERATIONS, Domain, PremiumRule, Price, ReservedName, Tld
from ..money import check_currency
from ..names import check_label, check_tld_label, split_domain

# TLD policy an operator may change with ``pyrar tld set``, with the type of each value.
POLICY: dict[str, type] = {
    "idn_allowed": bool, "emoji_allowed": bool, "min_period": int, "max_period": int,
    "add_grace_days": int, "renew_grace_days": int, "autorenew_grace_days": int,
    "transfer_grace_days": int, "redemption_days": int, "pending_restore_days": int,
    "pending_delete_days": int, "transfer_pending_days": int, "data_model": str,
    "restore_report_required": bool, "premium_requires_fee": bool, "authinfo_min_bits": int,
    "max_nameservers": int, "max_dnssec_records": int, "max_sig_life_allowed": bool,
}


def get_tld(ctx: FlowContext, name: str) -> Tld:
    tld = ctx.session.scalars(select(Tld).where(Tld.name == tld_name(name))).first()
    if tld is None:
        raise ObjectDoesNotExist(f"TLD {name} does not exist")
    return tld


def add_tld(ctx: FlowContext, name: str, **policy: Any) -> Tld:
    name = tld_name(name)
    if ctx.session.scalars(select(Tld).where(Tld.name == name)).first():
        raise ObjectExists(f"TLD {name} already exists")
    tld = Tld(name=name, created_at=ctx.now, dns={})
    for column in POLICY:  # Python-side defaults, so the object is usable before a flush
        setattr(tld, column, Tld.__table__.c[column].default.arg)
    ctx.session.add(tld)
    set_policy(tld, policy)
    ctx.session.flush()
    return tld


def set_policy(tld: Tld, changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        kind = POLICY.get(key)
        if kind is None:
            raise ParameterSyntaxError(
                f"unknown TLD setting {key!r}; known: {', '.join(sorted(POLICY))}")
        setattr(tld, key, _convert(key, value, kind))
    if not 1 <= tld.min_period <= tld.max_period <= 10:
        raise ParameterPolicyError("periods must satisfy 1 <= min_period <= max_period <= 10")
    if tld.data_model not in DATA_MODELS:
        raise ParameterPolicyError(f"data_model must be one of {', '.join(DATA_MODELS)}")
    negative = [k for k in POLICY if k.endswith("_days") and getattr(tld, k) < 0]
    if negative:
        raise ParameterPolicyError(f"{negative[0]} cannot be negative")


def set_dns_settings(ctx: FlowContext, tld_name: str, settings: dict) -> Tld:
    """Store the TLD's DNS publication settings and ask zonegen to reconcile the whole zone
    (an outbox owner equal to the TLD means "the TLD itself").

    Build ``settings`` with ``zonegen.cli.dns_settings``, which validates their form; this
    keeps the registry's side: labels holding the TLD's own name servers stay unregistrable.
    """
    tld = get_tld(ctx, tld_name)
    for host in settings.get("nameservers", ()):
        _reserve_for_nameserver(ctx, tld, host)
    tld.dns = settings
    outbox.publish(ctx, tld.name, tld.name)
    return tld


def _reserve_for_nameserver(ctx: FlowContext, tld: Tld, host: str) -> None:
    """An apex name server inside the TLD (ns1.nic.example) needs its label (nic) kept out of
    registration: the zone cannot delegate a name it must answer for itself."""
    labels = host.strip().rstrip(".").lower().split(".")
    if len(labels) < 3 or labels[-1] != tld.name:
        return
    label = labels[-2]
    if ctx.session.scalars(select(Domain.id).where(
            Domain.name == f"{label}.{tld.name}")).first() is not None:
        raise ParameterPolicyError(f"{label}.{tld.name} is registered: it cannot hold the "
                                   f"TLD's name server {host}")
    if ctx.session.scalars(select(ReservedName).where(
            ReservedName.tld_id == tld.id, ReservedName.label == label)).first() is None:
        ctx.session.add(ReservedName(tld_id=tld.id, label=label,
                                     reason="Registry name servers"))


def set_price(ctx: FlowContext, tld_name: str, operation: str, currency: str,
              amount: int) -> Price:
    tld = get_tld(ctx, tld_name)
    if operation not in OPERATIONS:
        raise ParameterSyntaxError(f"operation must be one of {', '.join(OPERATIONS)}")
    if amount < 0:
        raise ParameterPolicyError("a price cannot be negative")
    currency = check_currency(currency)
    price = ctx.session.scalars(select(Price).where(
        Price.tld_id == tld.id, Price.operation == operation, Price.currency == currency)).first()
    if price is None:
        price = Price(tld_id=tld.id, operation=operation, currency=currency, amount=amount)
        ctx.session.add(price)
    price.amount = amount
    return price


def add_premium(ctx: FlowContext, tld_name: str, pattern: str, *, regex: bool, currency: str,
                prices: dict[str, int], class_name: str = "premium") -> PremiumRule:
    tld = get_tld(ctx, tld_name)
    if regex:
        try:
            re.compile(pattern)
        except re.error as e:
            raise ParameterSyntaxError(f"bad regular expression {pattern!r}: {e}") from None
    else:
        pattern = _label(tld, pattern)
    unknown = set(prices) - set(OPERATIONS)
    if unknown or not prices:
        raise ParameterSyntaxError(f"give at least one price of {', '.join(OPERATIONS)}")
    if any(v < 0 for v in prices.values()):
        raise ParameterPolicyError("a price cannot be negative")
    rule = PremiumRule(tld_id=tld.id, kind="regex" if regex else "name", pattern=pattern,
                       class_name=class_name, currency=check_currency(currency), **prices)
    ctx.session.add(rule)
    return rule


def add_reserved(ctx: FlowContext, tld_name: str, label: str, reason: str = "Reserved"
                 ) -> ReservedName:
    tld = get_tld(ctx, tld_name)
    label = _label(tld, label)
    if ctx.session.scalars(select(ReservedName).where(
            ReservedName.tld_id == tld.id, ReservedName.label == label)).first():
        raise ObjectExists(f"{label}.{tld.name} is already reserved")
    reserved = ReservedName(tld_id=tld.id, label=label, reason=reason)
    ctx.session.add(reserved)
    return reserved


def tld_name(text: str) -> str:
    """A TLD name as stored (lower-case A-label, no dots); raises on a name we cannot serve."""
    name = split_domain(f"x.{text.strip().strip('.')}").tld
    return check_tld_label(name)


def _label(tld: Tld, text: str) -> str:
    """A label given alone or as label.tld, as its A-label."""
    text = text.strip().rstrip(".")
    name = split_domain(text if text.endswith(f".{tld.name}") else f"{text}.{tld.name}")
    return check_label(name.label, idn_allowed=True, emoji_allowed=True)


def _convert(key: str, value: Any, kind: type) -> Any:
    if isinstance(value, kind):
        return value
    text = str(value).strip().lower()
    try:
        if kind is bool:
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        return kind(value)
    except ValueError:
        raise ParameterSyntaxError(f"{key}: {value!r} is not a {kind.__name__}") from None
