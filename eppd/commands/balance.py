"""Verisign's balance-1.0 mapping: ``<info><balance:info/></info>`` asks for the account."""

from __future__ import annotations

from lxml import etree

from eppd.commands.parsed import ParseContext, Parsed
from registry.flows.balance_info import BalanceInfoQuery


def info(element: etree._Element, extension: etree._Element | None,
         ctx: ParseContext) -> Parsed:
    return Parsed(BalanceInfoQuery())
