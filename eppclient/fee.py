"""RFC 8748 fee-1.0: asking prices (check), agreeing to them (transforms), reading charges."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from eppclient.documents import child, element
from eppclient.namespaces import FEE

_NS = {"f": FEE}


@dataclass(frozen=True)
class FeeQuery:
    """One price asked for in a check: ``command`` is create, renew, transfer or restore."""

    command: str
    years: int | None = 1
    phase: str | None = None
    subphase: str | None = None


@dataclass(frozen=True)
class Fee:
    amount: Decimal
    description: str | None = None
    refundable: bool | None = None
    grace_period: str | None = None   # an XML duration, "P5D"
    applied: str | None = None        # immediate or delayed


@dataclass(frozen=True)
class Quote:
    """The price of one command for one name, as the registry quoted it."""

    command: str
    years: int | None
    fees: tuple[Fee, ...]
    credits: tuple[Decimal, ...]
    standard: bool | None        # None: the registry did not say
    phase: str | None
    reason: str | None

    @property
    def total(self) -> Decimal:
        return sum((f.amount for f in self.fees), Decimal(0)) + sum(self.credits, Decimal(0))


@dataclass(frozen=True)
class FeeCheck:
    """fee-1.0 answer for one name: its class ("premium", "standard" ...) and quotes."""

    name: str
    available: bool
    fee_class: str | None
    currency: str
    quotes: tuple[Quote, ...]
    reason: str | None

    @property
    def premium(self) -> bool:
        """A class other than "standard" (registries name premium tiers freely: "gold",
        "premium-1"), or a quote marked non-standard."""
        if self.fee_class is not None and self.fee_class.lower() != "standard":
            return True
        return any(q.standard is False for q in self.quotes)

    def quote(self, command: str) -> Quote | None:
        return next((q for q in self.quotes if q.command == command), None)


@dataclass(frozen=True)
class Charge:
    """What a transform cost (``creData``, ``renData`` ... in fee-1.0)."""

    currency: str | None
    fees: tuple[Fee, ...]
    credits: tuple[Decimal, ...]
    balance: Decimal | None
    credit_limit: Decimal | None

    @property
    def total(self) -> Decimal:
        return sum((f.amount for f in self.fees), Decimal(0)) + sum(self.credits, Decimal(0))


def check_extension(queries: tuple[FeeQuery, ...], currency: str | None) -> etree._Element:
    node = element(FEE, "check")
    if currency:
        child(node, FEE, "currency", currency)
    for query in queries:
        command = child(node, FEE, "command", name=query.command, phase=query.phase,
                        subphase=query.subphase)
        if query.years is not None:
            child(command, FEE, "period", query.years, unit="y")
    return node


def agree_extension(verb: str, amount: Decimal, currency: str | None) -> etree._Element:
    """The price we agree to pay for a create, renew, transfer or update (restore)."""
    node = element(FEE, verb)
    if currency:
        child(node, FEE, "currency", currency)
    child(node, FEE, "fee", amount)
    return node


def parse_check(ext: etree._Element | None) -> dict[str, FeeCheck]:
    """Name -> FeeCheck from a ``<fee:chkData>``."""
    if ext is None:
        return {}
    currency = ext.findtext("f:currency", "", _NS)
    checks = {}
    for cd in ext.findall("f:cd", _NS):
        name = cd.findtext("f:objID", "", _NS).strip()
        checks[name.lower()] = FeeCheck(
            name=name, available=_bool(cd.get("avail"), True),
            fee_class=cd.findtext("f:class", None, _NS),
            currency=currency, quotes=tuple(_quote(c) for c in cd.findall("f:command", _NS)),
            reason=cd.findtext("f:reason", None, _NS))
    return checks


def parse_charge(ext: etree._Element | None) -> Charge | None:
    if ext is None:
        return None
    return Charge(currency=ext.findtext("f:currency", None, _NS),
                  fees=_fees(ext), credits=_credits(ext),
                  balance=_decimal(ext.findtext("f:balance", None, _NS)),
                  credit_limit=_decimal(ext.findtext("f:creditLimit", None, _NS)))


def _quote(node: etree._Element) -> Quote:
    period = node.find("f:period", _NS)
    return Quote(command=node.get("name"),
                 years=_years(period) if period is not None else None,
                 fees=_fees(node), credits=_credits(node),
                 standard=_bool(node.get("standard"), None), phase=node.get("phase"),
                 reason=node.findtext("f:reason", None, _NS))


def _fees(node: etree._Element) -> tuple[Fee, ...]:
    return tuple(
        Fee(amount=Decimal(f.text.strip()), description=f.get("description"),
            refundable=_bool(f.get("refundable"), None), grace_period=f.get("grace-period"),
            applied=f.get("applied"))
        for f in node.findall("f:fee", _NS))


def _credits(node: etree._Element) -> tuple[Decimal, ...]:
    return tuple(Decimal(c.text.strip()) for c in node.findall("f:credit", _NS))


def _years(period: etree._Element) -> int:
    value = int(period.text.strip())
    return value // 12 if period.get("unit") == "m" else value


def _bool(value: str | None, default: bool | None) -> bool | None:
    if value is None:
        return default
    return value.strip() in ("1", "true")


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value.strip()) if value else None
