"""contact-1.0 (RFC 5733) response data."""

from __future__ import annotations

from lxml import etree

from eppd.namespaces import CONTACT, tag
from eppd.replies.elements import flag, reason, root, sub, when
from registry.flows.contact_check import ContactCheckResult
from registry.flows.contact_create import ContactCreated
from registry.values import PostalInfo, TransferData
from registry.views import ContactInfo

_ID = tag(CONTACT, "id")
_CD = tag(CONTACT, "cd")
_DISCLOSE_ORDER = ("name:int", "name:loc", "org:int", "org:loc", "addr:int", "addr:loc",
                   "voice", "fax", "email")


def chk_data(result: ContactCheckResult) -> etree._Element:
    chk = root(CONTACT, "contact", "chkData")
    for item in result.ids:
        cd = sub(chk, _CD)
        sub(cd, _ID, item.id, avail=flag(item.available))
        if not item.available and item.reason:
            sub(cd, tag(CONTACT, "reason"), reason(item.reason))
    return chk


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
    sub(inf, tag(CONTACT, "clID"), info.sponsor)
    sub(inf, tag(CONTACT, "crID"), info.creator)
    sub(inf, tag(CONTACT, "crDate"), when(info.created_at))
    if info.updated_at is not None:
        if info.updater:
            sub(inf, tag(CONTACT, "upID"), info.updater)
        sub(inf, tag(CONTACT, "upDate"), when(info.updated_at))
    if info.transferred_at is not None:
        sub(inf, tag(CONTACT, "trDate"), when(info.transferred_at))
    _disclose(inf, info.disclose)
    return inf


def cre_data(created: ContactCreated) -> etree._Element:
    cre = root(CONTACT, "contact", "creData")
    sub(cre, _ID, created.id)
    sub(cre, tag(CONTACT, "crDate"), when(created.created_at))
    return cre


def trn_data(transfer: TransferData) -> etree._Element:
    trn = root(CONTACT, "contact", "trnData")
    sub(trn, _ID, transfer.name)
    sub(trn, tag(CONTACT, "trStatus"), transfer.status)
    sub(trn, tag(CONTACT, "reID"), transfer.gaining_clid)
    sub(trn, tag(CONTACT, "reDate"), when(transfer.requested_at))
    sub(trn, tag(CONTACT, "acID"), transfer.losing_clid)
    sub(trn, tag(CONTACT, "acDate"), when(transfer.action_at))
    return trn


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
