"""fee-1.0 (RFC 8748) command extensions: the check's queries and a transform's agreed fee."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from eppd.commands.elements import period, text
from eppd.namespaces import FEE, tag
from registry.flows.fees import FeeAgreement, FeeQuery
from registry.money import parse_amount
from registry.values import Period

_CHECK = tag(FEE, "check")
_CURRENCY = tag(FEE, "currency")
_COMMAND = tag(FEE, "command")
_FEE = tag(FEE, "fee")


@dataclass(frozen=True)
class FeeCommand:
    """One ``<fee:command>`` as the client wrote it; the reply echoes its attributes."""

    name: str
    period: Period | None = None
    custom_name: str | None = None
    phase: str | None = None
    subphase: str | None = None

    @property
    def unsupported(self) -> str | None:
        """Why no price can be given regardless of the name, or None."""
        if self.phase or self.subphase:
            return "launch phases are not offered by this registry"
        return None


@dataclass(frozen=True)
class FeeCheck:
    currency: str | None
    commands: tuple[FeeCommand, ...]

    def queries(self) -> tuple[FeeQuery, ...]:
        # A phase we do not run is asked as a command no flow prices, so the core answers
        # with a reason and the reply replaces it with ours.
        return tuple(FeeQuery(c.name if c.unsupported is None else "phase", c.period)
                     for c in self.commands)


def fee_check(extension: etree._Element | None) -> FeeCheck | None:
    check = extension.find(_CHECK) if extension is not None else None
    if check is None:
        return None
    return FeeCheck(
        currency=text(check, _CURRENCY),
        commands=tuple(
            FeeCommand(name=c.get("name"), period=_period(c), custom_name=c.get("customName"),
                       phase=c.get("phase"), subphase=c.get("subphase"))
            for c in check.iterfind(_COMMAND)))


def agreement(extension: etree._Element | None, verb: str,
              registrar_currency: str) -> FeeAgreement | None:
    """The total of the ``<fee:fee>`` amounts the client agreed to on create/renew/
    transfer/update, in the currency it named (or ours)."""
    element = extension.find(tag(FEE, verb)) if extension is not None else None
    if element is None:
        return None
    currency = text(element, _CURRENCY)
    amounts = [(f.text or "").strip() for f in element.iterfind(_FEE)]
    unit = (currency or registrar_currency).upper()
    return FeeAgreement(sum(parse_amount(a, unit) for a in amounts), currency)


def _period(command: etree._Element) -> Period | None:
    # fee:command reuses domain:periodType, but the element itself is in the fee namespace.
    return period(command, FEE)
