"""contact-1.0 (RFC 5733) commands."""

from __future__ import annotations

from lxml import etree

from eppd.commands.elements import auth_info, statuses, text, texts
from eppd.commands.parsed import ParseContext, Parsed
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
from registry.values import Disclose, PostalAddress, PostalChange, PostalInfo

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
    chg = element.find(_CHG)
    changes: dict = {}
    if chg is not None:
        # What a <chg> postalInfo leaves out stays as it is: the core merges it (RFC 5733).
        changes["postal"] = tuple(_postal_change(p) for p in chg.iterfind(_POSTAL_INFO))
        if chg.find(_VOICE) is not None:
            changes["voice"], changes["voice_ext"] = _phone(chg, _VOICE)
            changes["voice"] = changes["voice"] or ""
        if chg.find(_FAX) is not None:
            changes["fax"], changes["fax_ext"] = _phone(chg, _FAX)
            changes["fax"] = changes["fax"] or ""
        changes["email"] = text(chg, _EMAIL)
        changes["authinfo"], _ = auth_info(chg, CONTACT)
        changes["disclose"] = _disclose(chg)
    return Parsed(ContactUpdate(
        id=text(element, ID), add_statuses=statuses(element.find(_ADD), CONTACT),
        rem_statuses=statuses(element.find(_REM), CONTACT), **changes))


def _postal(element: etree._Element) -> PostalInfo:
    change = _postal_change(element)
    addr = change.addr
    return PostalInfo(type=change.type, name=change.name, org=change.org, street=addr.street,
                      city=addr.city, sp=addr.sp, pc=addr.pc, cc=addr.cc)


def _postal_change(element: etree._Element) -> PostalChange:
    addr = element.find(_ADDR)
    return PostalChange(
        type=element.get("type"), name=text(element, _NAME), org=text(element, _ORG),
        addr=None if addr is None else PostalAddress(
            street=texts(addr, _STREET), city=text(addr, _CITY), sp=text(addr, _SP),
            pc=text(addr, _PC), cc=text(addr, _CC)))


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
