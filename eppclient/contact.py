"""RFC 5733 contact commands as frames, and the info answer as a value."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from eppclient.commands import Command, object_command
from eppclient.documents import child, element, text, when
from eppclient.namespaces import CONTACT
from eppclient.responses import Response

_NS = {"c": CONTACT}


@dataclass(frozen=True)
class PostalInfo:
    name: str
    city: str
    cc: str
    street: tuple[str, ...] = ()
    org: str | None = None
    sp: str | None = None
    pc: str | None = None
    type: str = "int"


@dataclass(frozen=True)
class Contact:
    """What a contact create sends and a contact info returns."""

    id: str
    email: str
    postal: tuple[PostalInfo, ...]
    voice: str | None = None
    fax: str | None = None
    auth_info: str | None = field(default=None, repr=False)
    # RFC 5733 2.9: fields the registry must not publish ("name:int", "org:int",
    # "addr:int", "voice", "fax", "email"); sent on create as <disclose flag="0">
    withheld: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContactInfo:
    contact: Contact
    roid: str | None
    statuses: tuple[str, ...]
    sponsor: str | None
    created_at: datetime | None
    updated_at: datetime | None


def create(clid: str, contact: Contact) -> Command:
    body = element(CONTACT, "create")
    child(body, CONTACT, "id", contact.id)
    for postal in contact.postal:
        _postal(body, postal)
    _phones(body, contact.voice, contact.fax)
    child(body, CONTACT, "email", contact.email)
    if not contact.auth_info:
        raise ValueError("a contact create needs auth_info")
    child(child(body, CONTACT, "authInfo"), CONTACT, "pw", contact.auth_info)
    if contact.withheld:
        disclose = child(body, CONTACT, "disclose", flag="0")
        for item in contact.withheld:
            name, _, kind = item.partition(":")
            if kind:
                child(disclose, CONTACT, name, type=kind)
            else:
                child(disclose, CONTACT, name)
    return object_command(clid, "create", body, object_type="contact", object_id=contact.id)


def check(clid: str, handles: tuple[str, ...]) -> Command:
    body = element(CONTACT, "check")
    for handle in handles:
        child(body, CONTACT, "id", handle)
    return object_command(clid, "check", body, object_type="contact",
                          object_id=",".join(handles))


def info(clid: str, handle: str, auth_info: str | None = None) -> Command:
    body = element(CONTACT, "info")
    child(body, CONTACT, "id", handle)
    if auth_info is not None:
        child(child(body, CONTACT, "authInfo"), CONTACT, "pw", auth_info)
    return object_command(clid, "info", body, object_type="contact", object_id=handle)


def update(clid: str, handle: str, *, postal: tuple[PostalInfo, ...] = (),
           voice: str | None = None, email: str | None = None,
           auth_info: str | None = None, add_statuses: tuple[str, ...] = (),
           rem_statuses: tuple[str, ...] = ()) -> Command:
    body = element(CONTACT, "update")
    child(body, CONTACT, "id", handle)
    for side, statuses in (("add", add_statuses), ("rem", rem_statuses)):
        if statuses:
            node = child(body, CONTACT, side)
            for status in statuses:
                child(node, CONTACT, "status", s=status)
    if postal or voice or email or auth_info:
        change = child(body, CONTACT, "chg")
        for info_ in postal:
            _postal(change, info_)
        _phones(change, voice, None)
        if email:
            child(change, CONTACT, "email", email)
        if auth_info:
            child(child(change, CONTACT, "authInfo"), CONTACT, "pw", auth_info)
    return object_command(clid, "update", body, object_type="contact", object_id=handle,
                          params={"postal": postal, "voice": voice, "email": email,
                                  "add_statuses": add_statuses, "rem_statuses": rem_statuses})


def delete(clid: str, handle: str) -> Command:
    body = element(CONTACT, "delete")
    child(body, CONTACT, "id", handle)
    return object_command(clid, "delete", body, object_type="contact", object_id=handle)


def parse_info(response: Response) -> ContactInfo:
    data = response.data(CONTACT, "infData")
    postal = tuple(
        PostalInfo(name=text(p, "c:name", _NS), org=text(p, "c:org", _NS),
                   street=tuple(s.text.strip() for s in p.findall("c:addr/c:street", _NS)),
                   city=text(p, "c:addr/c:city", _NS), sp=text(p, "c:addr/c:sp", _NS),
                   pc=text(p, "c:addr/c:pc", _NS), cc=text(p, "c:addr/c:cc", _NS),
                   type=p.get("type"))
        for p in data.findall("c:postalInfo", _NS))
    contact = Contact(id=text(data, "c:id", _NS), email=text(data, "c:email", _NS),
                      postal=postal, voice=text(data, "c:voice", _NS),
                      fax=text(data, "c:fax", _NS), auth_info=text(data, "c:authInfo/c:pw", _NS))
    return ContactInfo(contact, roid=text(data, "c:roid", _NS),
                       statuses=tuple(s.get("s") for s in data.findall("c:status", _NS)),
                       sponsor=text(data, "c:clID", _NS),
                       created_at=when(text(data, "c:crDate", _NS)),
                       updated_at=when(text(data, "c:upDate", _NS)))


def _postal(parent: etree._Element, postal: PostalInfo) -> None:
    node = child(parent, CONTACT, "postalInfo", type=postal.type)
    child(node, CONTACT, "name", postal.name)
    if postal.org:
        child(node, CONTACT, "org", postal.org)
    addr = child(node, CONTACT, "addr")
    for line in postal.street:
        child(addr, CONTACT, "street", line)
    child(addr, CONTACT, "city", postal.city)
    if postal.sp:
        child(addr, CONTACT, "sp", postal.sp)
    if postal.pc:
        child(addr, CONTACT, "pc", postal.pc)
    child(addr, CONTACT, "cc", postal.cc)


def _phones(parent: etree._Element, voice: str | None, fax: str | None) -> None:
    if voice:
        child(parent, CONTACT, "voice", voice)
    if fax:
        child(parent, CONTACT, "fax", fax)
