"""host-1.0 (RFC 5732) response data."""

from __future__ import annotations

from lxml import etree

from eppd.namespaces import HOST, tag
from eppd.replies.elements import flag, reason, root, sub, when
from registry.flows.host_check import HostCheckResult
from registry.flows.host_create import HostCreated
from registry.views import HostInfo

_NAME = tag(HOST, "name")
_CD = tag(HOST, "cd")
_ADDR = tag(HOST, "addr")


def chk_data(result: HostCheckResult) -> etree._Element:
    chk = root(HOST, "host", "chkData")
    for name in result.names:
        cd = sub(chk, _CD)
        sub(cd, _NAME, name.name, avail=flag(name.available))
        if not name.available and name.reason:
            sub(cd, tag(HOST, "reason"), reason(name.reason))
    return chk


def inf_data(info: HostInfo) -> etree._Element:
    inf = root(HOST, "host", "infData")
    sub(inf, _NAME, info.name)
    sub(inf, tag(HOST, "roid"), info.roid)
    for status in info.statuses:
        sub(inf, tag(HOST, "status"), s=status)
    for address in info.addresses:
        sub(inf, _ADDR, address, ip="v6" if ":" in address else "v4")
    sub(inf, tag(HOST, "clID"), info.sponsor)
    sub(inf, tag(HOST, "crID"), info.creator)
    sub(inf, tag(HOST, "crDate"), when(info.created_at))
    if info.updated_at is not None:
        if info.updater:
            sub(inf, tag(HOST, "upID"), info.updater)
        sub(inf, tag(HOST, "upDate"), when(info.updated_at))
    if info.transferred_at is not None:
        sub(inf, tag(HOST, "trDate"), when(info.transferred_at))
    return inf


def cre_data(created: HostCreated) -> etree._Element:
    cre = root(HOST, "host", "creData")
    sub(cre, _NAME, created.name)
    sub(cre, tag(HOST, "crDate"), when(created.created_at))
    return cre
