"""fee-1.0 (RFC 8748) check data and the fees, credits and balance of transform responses."""

from __future__ import annotations

from lxml import etree

from eppd.commands.fee import FeeCheck
from eppd.namespaces import FEE, tag
from eppd.replies.elements import flag, root, sub
from registry.flows.domain_check import DomainCheckResult, NameAvailability
from registry.flows.fees import QuotedFee
from registry.money import format_amount
from registry.values import Charge, Fee

_CURRENCY = tag(FEE, "currency")
_CD = tag(FEE, "cd")
_OBJ_ID = tag(FEE, "objID")
_CLASS = tag(FEE, "class")
_COMMAND = tag(FEE, "command")
_PERIOD = tag(FEE, "period")
_FEE = tag(FEE, "fee")
_CREDIT = tag(FEE, "credit")
_REASON = tag(FEE, "reason")


def chk_data(result: DomainCheckResult, check: FeeCheck, currency: str) -> etree._Element:
    chk = root(FEE, "fee", "chkData")
    currency = result.currency or currency
    sub(chk, _CURRENCY, currency)
    for name in result.names:
        _cd(chk, name, check, currency)
    return chk


def transform_data(name: str, charge: Charge, currency: str) -> etree._Element:
    """``creData``, ``renData``, ``trnData``, ``updData`` or ``delData`` (the ``name``)."""
    data = root(FEE, "fee", name)
    sub(data, _CURRENCY, currency)
    for fee in charge.fees:
        if fee.amount >= 0:
            _fee(data, fee)
    for fee in charge.fees:
        if fee.amount < 0:  # refunds are credits (RFC 8748 creditType is non-positive)
            sub(data, _CREDIT, format_amount(fee.amount, fee.currency),
                description=fee.description)
    if charge.balance is not None:
        sub(data, tag(FEE, "balance"), format_amount(charge.balance, currency))
    if charge.credit_limit is not None:
        sub(data, tag(FEE, "creditLimit"), format_amount(charge.credit_limit, currency))
    return data


def _cd(chk: etree._Element, name: NameAvailability, check: FeeCheck,
        currency: str) -> None:
    cd = sub(chk, _CD)
    sub(cd, _OBJ_ID, name.name)
    if not name.fees:
        # the name itself could not be read or is not ours: no price for anything
        cd.set("avail", "0")
        sub(cd, _REASON, name.reason or "no fees for this name")
        return
    classes = {q.price_class for q in name.fees if q.fee is not None}
    if classes:
        sub(cd, _CLASS, min(classes - {"standard"}, default="standard"))
    for requested, quoted in zip(check.commands, name.fees, strict=True):
        command = sub(cd, _COMMAND, name=requested.name)
        for attribute, value in (("customName", requested.custom_name),
                                 ("phase", requested.phase),
                                 ("subphase", requested.subphase)):
            if value:
                command.set(attribute, value)
        _command_data(command, requested.unsupported, quoted)
    if not classes:
        cd.set("avail", "0")
        sub(cd, _REASON, "no fee could be determined")


def _command_data(command: etree._Element, unsupported: str | None, quoted: QuotedFee) -> None:
    if quoted.period is not None:
        sub(command, _PERIOD, str(quoted.period.value), unit=quoted.period.unit)
    if unsupported or quoted.fee is None:
        sub(command, _REASON, unsupported or quoted.reason or "no fee for this command")
        return
    command.set("standard", flag(quoted.price_class == "standard"))
    _fee(command, quoted.fee)


def _fee(parent: etree._Element, fee: Fee) -> None:
    element = sub(parent, _FEE, format_amount(fee.amount, fee.currency),
                  description=fee.description, refundable=flag(fee.refundable))
    if fee.grace_days is not None:
        element.set("grace-period", f"P{fee.grace_days}D")
