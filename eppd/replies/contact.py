"""contact-1.0 (RFC 5733) response data."""

from __future__ import annotations

from lxml import etree

from eppd.namespaces import CONTACT, tag
from eppd.replies.elements import check_data, flag, root, stamps, sub, transfer_data, when
from registry.flows.contact_check import ContactCheckResult
from registry.flows.contact_create import ContactCreated
from registry.values import PostalInfo, TransferData
from registry.views import ContactInfo

_ID = tag(CONTACT, "id")
_DISCLOSE_ORDER = ("name:int", "name:loc", "org:int", "org:loc", "addr:int", "addr:loc",
                   "voice", "fax", "email")


def chk_data(result: ContactCheckResult) -> etree._Element:
    return check_data(CONTACT, "contact", "id",
                      ((i.id, i.available, i.reason) for i in result.ids))


def inf_data(info: ContactInfo) -> etree._Element:
    """RFC 9154: authInfo is never returned, whoever asks."""
    inf = root(CONTACT, "contact", "infData")
    sub(inf, _ID, info.id)
    sub(inf, tag(CONTACT, "roid"), info.roid)
    for status in info.statuses:
        sub(inf, tag(CONTACT, "status"), s=status)
    for postal in info.postal:
        _postal_info(inf, postal)
    _phone(inf, "voice", info.voice, info.voice_ext)
    _phone(inf, "fax", info.fax, info.fax_ext)
    sub(inf, tag(CONTACT, "email"), info.email)
    stamps(inf, CONTACT, info)
    _disclose(inf, info.disclose)
    return inf


def cre_data(created: ContactCreated) -> etree._Element:
    cre = root(CONTACT, "contact", "creData")
    sub(cre, _ID, created.id)
    sub(cre, tag(CONTACT, "crDate"), when(created.created_at))
    return cre


def trn_data(transfer: TransferData) -> etree._Element:
    return transfer_data(CONTACT, "contact", "id", transfer, with_expiry=False)


def _postal_info(parent: etree._Element, postal: PostalInfo) -> None:
    element = sub(parent, tag(CONTACT, "postalInfo"), type=postal.type)
    sub(element, tag(CONTACT, "name"), postal.name)
    if postal.org:
        sub(element, tag(CONTACT, "org"), postal.org)
    addr = sub(element, tag(CONTACT, "addr"))
    for street in postal.street:
        sub(addr, tag(CONTACT, "street"), street)
    sub(addr, tag(CONTACT, "city"), postal.city)
    if postal.sp:
        sub(addr, tag(CONTACT, "sp"), postal.sp)
    if postal.pc:
        sub(addr, tag(CONTACT, "pc"), postal.pc)
    sub(addr, tag(CONTACT, "cc"), postal.cc)


def _phone(parent: etree._Element, kind: str, number: str | None, ext: str | None) -> None:
    if not number:
        return
    if ext:
        sub(parent, tag(CONTACT, kind), number, x=ext)
    else:
        sub(parent, tag(CONTACT, kind), number)


def _disclose(parent: etree._Element, disclose: dict | None) -> None:
    fields = set((disclose or {}).get("fields") or ())
    if not fields:
        return
    element = sub(parent, tag(CONTACT, "disclose"), flag=flag(bool(disclose.get("flag"))))
    for field in _DISCLOSE_ORDER:
        if field in fields:
            name, _, kind = field.partition(":")
            if kind:
                sub(element, tag(CONTACT, name), type=kind)
            else:
                sub(element, tag(CONTACT, name))
