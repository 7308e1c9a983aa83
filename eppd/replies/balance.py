"""Verisign's balance-1.0 mapping: the registrar's account as ``<balance:infData>``."""

from __future__ import annotations

from lxml import etree

from eppd.namespaces import BALANCE, tag
from eppd.replies.elements import root, sub
from registry.flows.balance_info import BalanceInfo
from registry.money import format_amount


def inf_data(info: BalanceInfo) -> etree._Element:
    inf = root(BALANCE, "balance", "infData")
    for name, amount in (("creditLimit", info.credit_limit), ("balance", info.balance),
                         ("availableCredit", info.available)):
        sub(inf, tag(BALANCE, name), format_amount(amount, info.currency))
    threshold = sub(inf, tag(BALANCE, "creditThreshold"))
    sub(threshold, tag(BALANCE, "fixed"), format_amount(info.threshold, info.currency))
    return inf
