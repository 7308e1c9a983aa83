"""host-1.0 (RFC 5732) commands."""

from __future__ import annotations

from lxml import etree

from eppd.commands.elements import statuses, text, texts
from eppd.commands.parsed import ParseContext, Parsed
from eppd.namespaces import HOST, tag
from registry.flows.host_check import HostCheck
from registry.flows.host_create import HostCreate
from registry.flows.host_delete import HostDelete
from registry.flows.host_info import HostInfoQuery
from registry.flows.host_update import HostUpdate
from registry.values import HostAddress

NAME = tag(HOST, "name")
_ADDR = tag(HOST, "addr")
_ADD = tag(HOST, "add")
_REM = tag(HOST, "rem")
_CHG = tag(HOST, "chg")


def check(element: etree._Element, extension: etree._Element | None,
          ctx: ParseContext) -> Parsed:
    return Parsed(HostCheck(texts(element, NAME)))


def info(element: etree._Element, extension: etree._Element | None,
         ctx: ParseContext) -> Parsed:
    return Parsed(HostInfoQuery(text(element, NAME)))


def create(element: etree._Element, extension: etree._Element | None,
           ctx: ParseContext) -> Parsed:
    return Parsed(HostCreate(text(element, NAME), _addresses(element)))


def delete(element: etree._Element, extension: etree._Element | None,
           ctx: ParseContext) -> Parsed:
    return Parsed(HostDelete(text(element, NAME)))


def update(element: etree._Element, extension: etree._Element | None,
           ctx: ParseContext) -> Parsed:
    add, rem, chg = element.find(_ADD), element.find(_REM), element.find(_CHG)
    return Parsed(HostUpdate(
        name=text(element, NAME),
        add_addresses=_addresses(add),
        rem_addresses=_addresses(rem),
        add_statuses=statuses(add, HOST),
        rem_statuses=statuses(rem, HOST),
        new_name=text(chg, NAME) if chg is not None else None))


def _addresses(parent: etree._Element | None) -> tuple[HostAddress, ...]:
    if parent is None:
        return ()
    return tuple(HostAddress((a.text or "").strip(), a.get("ip", "v4"))
                 for a in parent.iterfind(_ADDR))
