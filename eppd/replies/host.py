"""host-1.0 (RFC 5732) response data."""

from __future__ import annotations

from lxml import etree

from eppd.namespaces import HOST, tag
from eppd.replies.elements import check_data, root, stamps, sub, when
from registry.flows.host_check import HostCheckResult
from registry.flows.host_create import HostCreated
from registry.views import HostInfo

_NAME = tag(HOST, "name")
_ADDR = tag(HOST, "addr")


def chk_data(result: HostCheckResult) -> etree._Element:
    return check_data(HOST, "host", "name",
                      ((n.name, n.available, n.reason) for n in result.names))


def inf_data(info: HostInfo) -> etree._Element:
    inf = root(HOST, "host", "infData")
    sub(inf, _NAME, info.name)
    sub(inf, tag(HOST, "roid"), info.roid)
    for status in info.statuses:
        sub(inf, tag(HOST, "status"), s=status)
    for address in info.addresses:
        sub(inf, _ADDR, address, ip="v6" if ":" in address else "v4")
    stamps(inf, HOST, info)
    return inf


def cre_data(created: HostCreated) -> etree._Element:
    cre = root(HOST, "host", "creData")
    sub(cre, _NAME, created.name)
    sub(cre, tag(HOST, "crDate"), when(created.created_at))
    return cre
