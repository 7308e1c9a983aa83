"""contact-1.0 (RFC 5733) commands."""

from __future__ import annotations

import dataclasses

from lxml import etree

from eppd.commands.elements import auth_info, statuses, text, texts
from eppd.commands.parsed import Draft, ParseContext, Parsed
from eppd.namespaces import CONTACT, tag
from registry.flows.contact_check import ContactCheck
from registry.flows.contact_create import ContactCreate
from registry.flows.contact_delete import ContactDelete
from registry.flows.contact_info import ContactInfoQuery
from registry.flows.contact_transfer import (
    ContactTransferApprove,
    ContactTransferCancel,
    ContactTransferQuery,
    ContactTransferReject,
    ContactTransferRequest,
)
from registry.flows.contact_update import ContactUpdate
from registry.values import Disclose, PostalInfo
from registry.views import ContactInfo

ID = tag(CONTACT, "id")
_POSTAL_INFO = tag(CONTACT, "postalInfo")
_NAME = tag(CONTACT, "name")
_ORG = tag(CONTACT, "org")
_ADDR = tag(CONTACT, "addr")
_STREET = tag(CONTACT, "street")
_CITY = tag(CONTACT, "city")
_SP = tag(CONTACT, "sp")
_PC = tag(CONTACT, "pc")
_CC = tag(CONTACT, "cc")
_VOICE = tag(CONTACT, "voice")
_FAX = tag(CONTACT, "fax")
_EMAIL = tag(CONTACT, "email")
_DISCLOSE = tag(CONTACT, "disclose")
_ADD = tag(CONTACT, "add")
_REM = tag(CONTACT, "rem")
_CHG = tag(CONTACT, "chg")
_TRANSFERS = {"approve": ContactTransferApprove, "reject": ContactTransferReject,
              "cancel": ContactTransferCancel}
_DISCLOSE_TYPED = ("name", "org", "addr")
_DISCLOSE_PLAIN = ("voice", "fax", "email")


def check(element: etree._Element, extension: etree._Element | None,
          ctx: ParseContext) -> Parsed:
    return Parsed(ContactCheck(texts(element, ID)))


def info(element: etree._Element, extension: etree._Element | None,
         ctx: ParseContext) -> Parsed:
    password, _ = auth_info(element, CONTACT)
    return Parsed(ContactInfoQuery(text(element, ID), password or None))


def create(element: etree._Element, extension: etree._Element | None,
           ctx: ParseContext) -> Parsed:
    voice, voice_ext = _phone(element, _VOICE)
    fax, fax_ext = _phone(element, _FAX)
    password, _ = auth_info(element, CONTACT)
    return Parsed(ContactCreate(
        id=text(element, ID),
        postal=tuple(_postal(p) for p in element.iterfind(_POSTAL_INFO)),
        email=text(element, _EMAIL), voice=voice, voice_ext=voice_ext, fax=fax,
        fax_ext=fax_ext, authinfo=password or "", disclose=_disclose(element)))


def delete(element: etree._Element, extension: etree._Element | None,
           ctx: ParseContext) -> Parsed:
    return Parsed(ContactDelete(text(element, ID)))


def transfer(element: etree._Element, extension: etree._Element | None,
             ctx: ParseContext, op: str) -> Parsed:
    handle = text(element, ID)
    password, _ = auth_info(element, CONTACT)
    if op == "request":
        return Parsed(ContactTransferRequest(handle, password or ""))
    if op == "query":
        return Parsed(ContactTransferQuery(handle, password or None))
    return Parsed(_TRANSFERS[op](handle))


def update(element: etree._Element, extension: etree._Element | None,
           ctx: ParseContext) -> Parsed:
    handle = text(element, ID)
    chg = element.find(_CHG)
    changes: dict = {}
    partial: list[etree._Element] = []
    if chg is not None:
        full = []
        for p in chg.iterfind(_POSTAL_INFO):
            if all(p.find(e) is not None for e in (_NAME, _ORG, _ADDR)):
                full.append(_postal(p))
            else:
                partial.append(p)
        changes["postal"] = tuple(full)
        if chg.find(_VOICE) is not None:
            changes["voice"], changes["voice_ext"] = _phone(chg, _VOICE)
            changes["voice"] = changes["voice"] or ""
        if chg.find(_FAX) is not None:
            changes["fax"], changes["fax_ext"] = _phone(chg, _FAX)
            changes["fax"] = changes["fax"] or ""
        changes["email"] = text(chg, _EMAIL)
        changes["authinfo"], _ = auth_info(chg, CONTACT)
        changes["disclose"] = _disclose(chg)
    command = ContactUpdate(id=handle, add_statuses=statuses(element.find(_ADD), CONTACT),
                            rem_statuses=statuses(element.find(_REM), CONTACT), **changes)
    if not partial:
        return Parsed(command)

    def complete(current: ContactInfo) -> ContactUpdate:
        merged = tuple(_merge(p, current) for p in partial)
        return dataclasses.replace(command, postal=command.postal + merged)

    # RFC 5733: what a <chg> postalInfo leaves out stays as it is, so it is merged with the
    # stored postalInfo of that type.
    return Parsed(Draft(ContactInfoQuery(handle), complete))


def _postal(element: etree._Element) -> PostalInfo:
    addr = element.find(_ADDR)
    return PostalInfo(
        type=element.get("type"), name=text(element, _NAME), org=text(element, _ORG),
        street=texts(addr, _STREET), city=text(addr, _CITY), sp=text(addr, _SP),
        pc=text(addr, _PC), cc=text(addr, _CC))


def _merge(element: etree._Element, current: ContactInfo) -> PostalInfo:
    kind = element.get("type")
    old = next((p for p in current.postal if p.type == kind), None)
    base = old or PostalInfo(type=kind, name="", city="", cc="")
    name, org, addr = (element.find(e) for e in (_NAME, _ORG, _ADDR))
    merged = dataclasses.replace(
        base,
        name=text(element, _NAME) if name is not None else base.name,
        org=text(element, _ORG) if org is not None else base.org)
    if addr is None:
        return merged
    return dataclasses.replace(
        merged, street=texts(addr, _STREET), city=text(addr, _CITY), sp=text(addr, _SP),
        pc=text(addr, _PC), cc=text(addr, _CC))


def _phone(parent: etree._Element, name: str) -> tuple[str | None, str | None]:
    element = parent.find(name)
    if element is None:
        return None, None
    return (element.text or "").strip() or None, element.get("x")


def _disclose(parent: etree._Element) -> Disclose | None:
    element = parent.find(_DISCLOSE)
    if element is None:
        return None
    fields = [f"{name}:{e.get('type')}" for name in _DISCLOSE_TYPED
              for e in element.iterfind(tag(CONTACT, name))]
    fields += [name for name in _DISCLOSE_PLAIN if element.find(tag(CONTACT, name)) is not None]
    return Disclose(element.get("flag").strip() in ("1", "true"), tuple(fields))
