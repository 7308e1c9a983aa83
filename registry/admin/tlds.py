"""Operating TLDs: create them, change their policy, price them, reserve and premium names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from .. import outbox
from ..errors import (
    BillingFailure,
    ObjectDoesNotExist,
    ObjectExists,
    ParameterPolicyError,
    ParameterRangeError,
    ParameterSyntaxError,
    quoted,
)
from ..flows.context import FlowContext
from ..models import (
    DATA_MODELS,
    OPERATIONS,
    RDDS_PROFILES,
    Domain,
    PremiumRule,
    Price,
    ReservedName,
    Tld,
)
from ..money import check_currency
from ..names import check_label, check_tld_label, split_domain
from ..pricing import quote


@dataclass(frozen=True)
class Setting:
    """A TLD policy value an operator may set: its type and what it may be."""

    kind: type
    low: int = 0          # numbers: the allowed range
    high: int = 0
    choices: tuple[str, ...] = ()

    def allowed(self) -> str:
        if self.kind is int:
            return f"{self.low} to {self.high}"
        return " or ".join(self.choices) if self.choices else "yes or no"


_FLAG = Setting(bool)
_DAYS = Setting(int, 0, 365)  # grace and pending periods: none, up to a year
# TLD policy an operator may change with ``pyrar tld set``. Every number has a range that
# keeps the TLD usable: past it, every create would be refused (a negative maximum) or a
# pending period would outlast any registrar's patience.
POLICY: dict[str, Setting] = {
    "idn_allowed": _FLAG, "emoji_allowed": _FLAG,
    # IDN labels only (RST idn-02): an all-ASCII label is refused
    "idn_only": _FLAG,
    # registration periods in years: RFC 5731 allows up to 99, registries sell at most 10
    "min_period": Setting(int, 1, 10), "max_period": Setting(int, 1, 10),
    "add_grace_days": _DAYS, "renew_grace_days": _DAYS, "autorenew_grace_days": _DAYS,
    "transfer_grace_days": _DAYS, "redemption_days": _DAYS, "pending_restore_days": _DAYS,
    "pending_delete_days": _DAYS, "transfer_pending_days": _DAYS,
    "data_model": Setting(str, choices=DATA_MODELS), "restore_report_required": _FLAG,
    "premium_requires_fee": _FLAG,
    # RFC 9154 asks for 128 bits; 0 turns the check off (a sandbox); past 256 even a random
    # 39-character authInfo would not pass
    "authinfo_min_bits": Setting(int, 0, 256),
    # a domain needs one name server to be delegated; 13 is the default
    "max_nameservers": Setting(int, 1, 32),
    # 0: the TLD takes no DS or key data (no secure delegations)
    "max_dnssec_records": Setting(int, 0, 16),
    "max_sig_life_allowed": _FLAG,
    "rdds_profile": Setting(str, choices=RDDS_PROFILES),
    # WHOIS on port 43 answers for the TLD's names (ICANN no longer requires it of gTLDs)
    "whois_enabled": _FLAG,
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
    """Check every value, then change the TLD: a refused change leaves it as it was."""
    values = {key: check_setting(key, value) for key, value in changes.items()}
    periods = (values.get("min_period", tld.min_period), values.get("max_period", tld.max_period))
    if periods[0] > periods[1]:
        raise ParameterRangeError(f"min_period {periods[0]} is above max_period {periods[1]}")
    if values.get("idn_only", tld.idn_only) and not values.get("idn_allowed", tld.idn_allowed):
        raise ParameterRangeError("idn_only needs idn_allowed: the TLD would take no name")
    for key, value in values.items():
        setattr(tld, key, value)


def check_setting(key: str, value: Any) -> Any:
    """A policy value as its type, or a refusal naming the key, the value and what is
    allowed."""
    setting = POLICY.get(key)
    if setting is None:
        raise ParameterSyntaxError(
            f"unknown TLD setting {key!r}; known: {', '.join(sorted(POLICY))}")
    converted = _convert(value, setting.kind)
    if converted is None:
        raise ParameterSyntaxError(f"{key} must be {setting.allowed()}, not {quoted(value)}")
    if (setting.kind is int and not setting.low <= converted <= setting.high) or (
            setting.choices and converted not in setting.choices):
        raise ParameterRangeError(f"{key} must be {setting.allowed()}, not {quoted(value)}")
    return converted


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
                                     reason="Registry name servers", created_at=ctx.now))


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
        pattern = tld_label(tld, pattern)
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
    label = tld_label(tld, label)
    if ctx.session.scalars(select(ReservedName).where(
            ReservedName.tld_id == tld.id, ReservedName.label == label)).first():
        raise ObjectExists(f"{label}.{tld.name} is already reserved")
    reserved = ReservedName(tld_id=tld.id, label=label, reason=reason, created_at=ctx.now)
    ctx.session.add(reserved)
    return reserved


def tld_name(text: str) -> str:
    """A TLD name as stored (lower-case A-label, no dots); raises on a name we cannot serve."""
    name = split_domain(f"x.{text.strip().strip('.')}").tld
    return check_tld_label(name)


def tld_label(tld: Tld, text: str) -> str:
    """A label given alone or as label.tld, as its A-label."""
    text = text.strip().rstrip(".")
    name = split_domain(text if text.endswith(f".{tld.name}") else f"{text}.{tld.name}")
    return check_label(name.label, idn_allowed=True, emoji_allowed=True)


def _convert(value: Any, kind: type) -> Any:
    """``value`` (text from the command line, or already typed) as ``kind``; None if it is
    not one."""
    if isinstance(value, bool) or not isinstance(value, str):
        # bool is an int in Python: True is no number of days, nor 1 a flag
        return value if isinstance(value, kind) and isinstance(value, bool) == (
            kind is bool) else None
    text = value.strip()
    if kind is bool:
        return {"1": True, "true": True, "yes": True, "on": True, "0": False,
                "false": False, "no": False, "off": False}.get(text.lower())
    if kind is int:
        # ASCII digits only; a number too long to be in any range stays out of range
        if not re.fullmatch(r"[+-]?[0-9]+", text, re.ASCII):
            return None
        return int(text) if len(text) <= 20 else (-1 if text.startswith("-") else 1) * 10**20
    return text



@dataclass(frozen=True)
class PremiumView:
    id: int
    kind: str  # "name" or "regex"
    pattern: str
    class_name: str
    currency: str
    prices: dict[str, int | None]


@dataclass(frozen=True)
class TldView:
    name: str
    created_at: Any
    policy: dict[str, Any]
    prices: dict[str, dict[str, int]]  # currency -> operation -> amount
    premium: tuple[PremiumView, ...]
    reserved: tuple[tuple[str, str], ...]  # (label, reason)
    dns: dict


def tld_names(ctx: FlowContext) -> list[str]:
    return list(ctx.session.scalars(select(Tld.name).order_by(Tld.name)))


def tld_view(ctx: FlowContext, name: str, *, reserved_limit: int = 1000) -> TldView:
    tld = get_tld(ctx, name)
    prices: dict[str, dict[str, int]] = {}
    for p in ctx.session.scalars(select(Price).where(Price.tld_id == tld.id)
                                 .order_by(Price.currency, Price.operation)):
        prices.setdefault(p.currency, {})[p.operation] = p.amount
    rules = ctx.session.scalars(select(PremiumRule).where(PremiumRule.tld_id == tld.id)
                                .order_by(PremiumRule.id))
    reserved = ctx.session.execute(select(ReservedName.label, ReservedName.reason).where(
        ReservedName.tld_id == tld.id).order_by(ReservedName.label).limit(reserved_limit))
    return TldView(tld.name, tld.created_at, {k: getattr(tld, k) for k in POLICY}, prices,
                   tuple(_premium_view(r) for r in rules), tuple(tuple(r) for r in reserved),
                   dict(tld.dns or {}))


def tld_snapshot(ctx: FlowContext, name: str) -> dict[str, Any]:
    """What the audit log keeps of a TLD: its policy and standard prices."""
    view = tld_view(ctx, name, reserved_limit=0)
    return {"name": view.name, "policy": view.policy, "prices": view.prices}


def _premium_view(rule: PremiumRule) -> PremiumView:
    return PremiumView(rule.id, rule.kind, rule.pattern, rule.class_name, rule.currency,
                       {op: getattr(rule, op) for op in OPERATIONS})


def premium_rule(ctx: FlowContext, tld_name: str, rule_id: int) -> PremiumView:
    return _premium_view(_get_premium(ctx, tld_name, rule_id))


def _get_premium(ctx: FlowContext, tld_name: str, rule_id: int) -> PremiumRule:
    tld = get_tld(ctx, tld_name)
    rule = ctx.session.get(PremiumRule, rule_id)
    if rule is None or rule.tld_id != tld.id:
        raise ObjectDoesNotExist(f"no premium rule {rule_id} in .{tld.name}")
    return rule


def remove_premium(ctx: FlowContext, tld_name: str, rule_id: int) -> None:
    ctx.session.delete(_get_premium(ctx, tld_name, rule_id))
    ctx.session.flush()


def reserved_name(ctx: FlowContext, tld_name: str, label: str) -> ReservedName | None:
    tld = get_tld(ctx, tld_name)
    return ctx.session.scalars(select(ReservedName).where(
        ReservedName.tld_id == tld.id, ReservedName.label == tld_label(tld, label))).first()


def remove_reserved(ctx: FlowContext, tld_name: str, label: str) -> None:
    reserved = reserved_name(ctx, tld_name, label)
    if reserved is None:
        raise ObjectDoesNotExist(f"{label} is not reserved in .{tld_name}")
    ctx.session.delete(reserved)
    ctx.session.flush()


@dataclass(frozen=True)
class PremiumTest:
    """Which rule a name hits, and what each operation costs a year (None: no price)."""

    name: str
    label: str
    currency: str
    rule: PremiumView | None
    price_class: dict[str, str]
    prices: dict[str, int | None]


def premium_test(ctx: FlowContext, tld_name: str, name: str, currency: str) -> PremiumTest:
    """The prices the flows would charge (``pricing.quote``), and the rule behind them: an
    exact-name rule first, else the oldest regular expression that matches."""
    tld = get_tld(ctx, tld_name)
    label, currency = tld_label(tld, name), check_currency(currency)
    book = ctx.policy.price_book(ctx.session, tld.id)
    classes, prices = {}, {}
    for op in OPERATIONS:
        try:
            q = quote(ctx.session, book, tld, label, op, 1, currency)
            classes[op], prices[op] = q.price_class, q.amount
        except BillingFailure:
            classes[op], prices[op] = "none", None
    rules = ctx.session.scalars(select(PremiumRule).where(
        PremiumRule.tld_id == tld.id, PremiumRule.currency == currency).order_by(
        PremiumRule.kind, PremiumRule.id))  # "name" sorts before "regex"
    hit = next((r for r in rules if (r.pattern == label if r.kind == "name"
                                     else re.search(r.pattern, label))), None)
    return PremiumTest(f"{label}.{tld.name}", label, currency,
                       hit and _premium_view(hit), classes, prices)
