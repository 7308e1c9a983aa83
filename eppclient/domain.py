"""RFC 5731 domain commands as frames, and their answers as values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from lxml import etree

from eppclient.commands import Command, object_command
from eppclient.documents import child, day, element, text, when
from eppclient.fee import Charge
from eppclient.namespaces import DOMAIN, EPP
from eppclient.responses import Response
from eppclient.secdns import DsData

_NS = {"d": DOMAIN}
TRANSFER_OPS = ("request", "query", "approve", "reject", "cancel")


@dataclass(frozen=True)
class DomainChanges:
    """One side (add or rem) of an update."""

    ns: tuple[str, ...] = ()
    contacts: tuple[tuple[str, str], ...] = ()      # (type, handle)
    statuses: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.ns or self.contacts or self.statuses)


@dataclass(frozen=True)
class DomainInfo:
    name: str
    roid: str | None
    statuses: tuple[str, ...]
    registrant: str | None
    contacts: tuple[tuple[str, str], ...]
    ns: tuple[str, ...]
    hosts: tuple[str, ...]
    sponsor: str | None
    created_by: str | None
    created_at: datetime | None
    updated_by: str | None
    updated_at: datetime | None
    expires_at: datetime | None
    transferred_at: datetime | None
    auth_info: str | None
    ds: tuple[DsData, ...] = ()
    max_sig_life: int | None = None
    rgp_statuses: tuple[str, ...] = ()
    response: Response | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class DomainCreated:
    name: str
    created_at: datetime | None
    expires_at: datetime | None
    charge: Charge | None
    response: Response = field(repr=False, compare=False)


@dataclass(frozen=True)
class DomainRenewed:
    name: str
    expires_at: datetime | None
    charge: Charge | None
    response: Response = field(repr=False, compare=False)


@dataclass(frozen=True)
class TransferStatus:
    name: str
    status: str
    requested_by: str
    requested_at: datetime | None
    action_by: str
    action_at: datetime | None
    expires_at: datetime | None
    charge: Charge | None
    response: Response = field(repr=False, compare=False)


@dataclass(frozen=True)
class PendingAction:
    """``<domain:panData>`` (RFC 5731 3.3): how an action answered 1001 ended."""

    name: str
    succeeded: bool
    cl_trid: str | None
    sv_trid: str | None
    at: datetime | None


NO_CHANGES = DomainChanges()


def check(clid: str, names: Iterable[str], extensions: list[etree._Element]) -> Command:
    body = element(DOMAIN, "check")
    names = list(names)
    for name in names:
        child(body, DOMAIN, "name", name)
    return object_command(clid, "check", body, extensions=extensions, object_type="domain",
                          object_id=",".join(names))


def info(clid: str, name: str, auth_info: str | None = None, hosts: str = "all") -> Command:
    body = element(DOMAIN, "info")
    child(body, DOMAIN, "name", name, hosts=hosts)
    _auth(body, auth_info)
    return object_command(clid, "info", body, object_type="domain", object_id=name)


def create(clid: str, name: str, *, years: int, auth_info: str, ns: tuple[str, ...] = (),
           registrant: str | None = None, contacts: tuple[tuple[str, str], ...] = (),
           extensions: list[etree._Element]) -> Command:
    body = element(DOMAIN, "create")
    child(body, DOMAIN, "name", name)
    child(body, DOMAIN, "period", years, unit="y")
    _ns(body, ns)
    if registrant:
        child(body, DOMAIN, "registrant", registrant)
    for kind, handle in contacts:
        child(body, DOMAIN, "contact", handle, type=kind)
    _auth(body, auth_info)
    return object_command(clid, "create", body, extensions=extensions, object_type="domain",
                          object_id=name, params={"years": years})


def renew(clid: str, name: str, current_expiry: date | datetime, years: int,
          extensions: list[etree._Element]) -> Command:
    body = element(DOMAIN, "renew")
    child(body, DOMAIN, "name", name)
    child(body, DOMAIN, "curExpDate", day(current_expiry))
    child(body, DOMAIN, "period", years, unit="y")
    return object_command(clid, "renew", body, extensions=extensions, object_type="domain",
                          object_id=name,
                          params={"current_expiry": day(current_expiry), "years": years})


def transfer(clid: str, op: str, name: str, auth_info: str | None, years: int | None,
             extensions: list[etree._Element]) -> Command:
    """``auth_info`` stays in the command's params: ``settle()`` queries with it."""
    if op not in TRANSFER_OPS:
        raise ValueError(f"transfer op must be one of {', '.join(TRANSFER_OPS)}")
    body = element(DOMAIN, "transfer")
    child(body, DOMAIN, "name", name)
    if years is not None:
        child(body, DOMAIN, "period", years, unit="y")
    _auth(body, auth_info)
    return object_command(clid, "transfer", body, op=op, extensions=extensions,
                          object_type="domain", object_id=name,
                          params={"auth_info": auth_info})


def update(clid: str, name: str, *, add: DomainChanges = NO_CHANGES,
           rem: DomainChanges = NO_CHANGES, registrant: str | None = None,
           auth_info: str | None = None, extensions: list[etree._Element],
           verb: str = "update", rgp_op: str | None = None) -> Command:
    """``verb`` is "restore" for the rgp restore request and report (an update on the
    wire): the pool treats both alike, ``settle()`` does not."""
    body = element(DOMAIN, "update")
    child(body, DOMAIN, "name", name)
    for side, changes in (("add", add), ("rem", rem)):
        if changes:
            node = child(body, DOMAIN, side)
            _ns(node, changes.ns)
            for kind, handle in changes.contacts:
                child(node, DOMAIN, "contact", handle, type=kind)
            for status in changes.statuses:
                child(node, DOMAIN, "status", s=status)
    if registrant is not None or auth_info is not None or verb == "restore":
        change = child(body, DOMAIN, "chg")
        if registrant is not None:
            child(change, DOMAIN, "registrant", registrant)
        _auth(change, auth_info)
    command = object_command(clid, "update", body, extensions=extensions,
                             object_type="domain", object_id=name,
                             params={"add": add, "rem": rem, "registrant": registrant,
                                     "rgp_op": rgp_op})
    return Command(verb, command.object_type, command.object_id, command.frame,
                   command.cl_trid, command.params)


def delete(clid: str, name: str, extensions: list[etree._Element]) -> Command:
    body = element(DOMAIN, "delete")
    child(body, DOMAIN, "name", name)
    return object_command(clid, "delete", body, extensions=extensions, object_type="domain",
                          object_id=name)


def parse_info(response: Response) -> DomainInfo:
    data = response.data(DOMAIN, "infData")

    def field_(path: str) -> str | None:
        return text(data, path, _NS)

    ns = data.find("d:ns", _NS)
    return DomainInfo(
        name=field_("d:name"), roid=field_("d:roid"),
        statuses=tuple(s.get("s") for s in data.findall("d:status", _NS)),
        registrant=field_("d:registrant"),
        contacts=tuple((c.get("type"), c.text.strip()) for c in data.findall("d:contact", _NS)),
        ns=tuple(h.text.strip() for h in ns.findall("d:hostObj", _NS)) if ns is not None
        else (),
        hosts=tuple(h.text.strip() for h in data.findall("d:host", _NS)),
        sponsor=field_("d:clID"), created_by=field_("d:crID"),
        created_at=when(field_("d:crDate")), updated_by=field_("d:upID"),
        updated_at=when(field_("d:upDate")), expires_at=when(field_("d:exDate")),
        transferred_at=when(field_("d:trDate")), auth_info=field_("d:authInfo/d:pw"),
        response=response)


def parse_created(response: Response, charge: Charge | None) -> DomainCreated:
    data = response.data(DOMAIN, "creData")
    return DomainCreated(text(data, "d:name", _NS), when(text(data, "d:crDate", _NS)),
                         when(text(data, "d:exDate", _NS)), charge, response)


def parse_renewed(response: Response, charge: Charge | None) -> DomainRenewed:
    data = response.data(DOMAIN, "renData")
    return DomainRenewed(text(data, "d:name", _NS), when(text(data, "d:exDate", _NS)), charge,
                         response)


def parse_transfer(response: Response, charge: Charge | None) -> TransferStatus | None:
    data = response.data(DOMAIN, "trnData")
    if data is None:
        return None
    return TransferStatus(
        name=text(data, "d:name", _NS), status=text(data, "d:trStatus", _NS),
        requested_by=text(data, "d:reID", _NS), requested_at=when(text(data, "d:reDate", _NS)),
        action_by=text(data, "d:acID", _NS), action_at=when(text(data, "d:acDate", _NS)),
        expires_at=when(text(data, "d:exDate", _NS)), charge=charge, response=response)


def _ns(parent: etree._Element, hosts: tuple[str, ...]) -> None:
    if hosts:
        node = child(parent, DOMAIN, "ns")
        for host in hosts:
            child(node, DOMAIN, "hostObj", host)


def _auth(parent: etree._Element, auth_info: str | None) -> None:
    if auth_info is not None:
        child(child(parent, DOMAIN, "authInfo"), DOMAIN, "pw", auth_info)


def parse_pending_action(response: Response) -> PendingAction | None:
    data = response.data(DOMAIN, "panData")
    if data is None:
        return None
    name = data.find("d:name", _NS)
    trid = {"e": EPP}
    return PendingAction(name=name.text.strip(),
                         succeeded=name.get("paResult") in ("1", "true"),
                         cl_trid=text(data, "d:paTRID/e:clTRID", {**_NS, **trid}),
                         sv_trid=text(data, "d:paTRID/e:svTRID", {**_NS, **trid}),
                         at=when(text(data, "d:paDate", _NS)))
