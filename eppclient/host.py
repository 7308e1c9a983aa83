"""RFC 5732 host commands as frames, and the info answer as a value."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from eppclient.commands import Command, object_command
from eppclient.documents import child, element, text, when
from eppclient.namespaces import HOST
from eppclient.responses import Response

_NS = {"h": HOST}


@dataclass(frozen=True)
class HostInfo:
    name: str
    roid: str | None
    statuses: tuple[str, ...]
    addresses: tuple[str, ...]
    sponsor: str | None
    created_by: str | None
    created_at: datetime | None
    updated_at: datetime | None


def create(clid: str, name: str, addresses: tuple[str, ...] = ()) -> Command:
    body = element(HOST, "create")
    child(body, HOST, "name", name)
    _addresses(body, addresses)
    return object_command(clid, "create", body, object_type="host", object_id=name)


def info(clid: str, name: str) -> Command:
    body = element(HOST, "info")
    child(body, HOST, "name", name)
    return object_command(clid, "info", body, object_type="host", object_id=name)


def check(clid: str, names: tuple[str, ...]) -> Command:
    body = element(HOST, "check")
    for name in names:
        child(body, HOST, "name", name)
    return object_command(clid, "check", body, object_type="host", object_id=",".join(names))


def update(clid: str, name: str, *, add_addresses: tuple[str, ...] = (),
           rem_addresses: tuple[str, ...] = (), add_statuses: tuple[str, ...] = (),
           rem_statuses: tuple[str, ...] = (), new_name: str | None = None) -> Command:
    body = element(HOST, "update")
    child(body, HOST, "name", name)
    for side, addresses, statuses in (("add", add_addresses, add_statuses),
                                      ("rem", rem_addresses, rem_statuses)):
        if addresses or statuses:
            node = child(body, HOST, side)
            _addresses(node, addresses)
            for status in statuses:
                child(node, HOST, "status", s=status)
    if new_name:
        child(child(body, HOST, "chg"), HOST, "name", new_name)
    return object_command(clid, "update", body, object_type="host", object_id=name,
                          params={"add_addresses": add_addresses, "rem_addresses": rem_addresses,
                                  "add_statuses": add_statuses, "rem_statuses": rem_statuses,
                                  "new_name": new_name})


def delete(clid: str, name: str) -> Command:
    body = element(HOST, "delete")
    child(body, HOST, "name", name)
    return object_command(clid, "delete", body, object_type="host", object_id=name)


def parse_info(response: Response) -> HostInfo:
    data = response.data(HOST, "infData")
    return HostInfo(
        name=text(data, "h:name", _NS), roid=text(data, "h:roid", _NS),
        statuses=tuple(s.get("s") for s in data.findall("h:status", _NS)),
        addresses=tuple(a.text.strip() for a in data.findall("h:addr", _NS)),
        sponsor=text(data, "h:clID", _NS), created_by=text(data, "h:crID", _NS),
        created_at=when(text(data, "h:crDate", _NS)),
        updated_at=when(text(data, "h:upDate", _NS)))


def _addresses(parent: etree._Element, addresses: tuple[str, ...]) -> None:
    for address in addresses:
        version = ipaddress.ip_address(address).version
        child(parent, HOST, "addr", address, ip=f"v{version}")
