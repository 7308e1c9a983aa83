"""domain-1.0 (RFC 5731) response data."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from eppd.namespaces import DOMAIN, EPP, tag
from eppd.replies.elements import check_data, flag, root, stamps, sub, transfer_data, when
from registry.flows.domain_check import DomainCheckResult
from registry.flows.domain_create import DomainCreated
from registry.flows.launch_application import ApplicationInfo
from registry.values import TransferData
from registry.views import DomainInfo

_NAME = tag(DOMAIN, "name")
_ROID = tag(DOMAIN, "roid")
_STATUS = tag(DOMAIN, "status")
_REGISTRANT = tag(DOMAIN, "registrant")
_CONTACT = tag(DOMAIN, "contact")
_NS = tag(DOMAIN, "ns")
_HOST_OBJ = tag(DOMAIN, "hostObj")
_HOST = tag(DOMAIN, "host")
_CR_DATE = tag(DOMAIN, "crDate")
_EX_DATE = tag(DOMAIN, "exDate")


def chk_data(result: DomainCheckResult) -> etree._Element:
    return check_data(DOMAIN, "domain", "name",
                      ((n.name, n.available, n.reason) for n in result.names))


def inf_data(info: DomainInfo) -> etree._Element:
    """RFC 9154: authInfo is never returned, whoever asks."""
    inf = root(DOMAIN, "domain", "infData")
    sub(inf, _NAME, info.name)
    sub(inf, _ROID, info.roid)
    for status in info.statuses:
        sub(inf, _STATUS, s=status)
    _links(inf, info)
    for host in info.subordinate_hosts:
        sub(inf, _HOST, host)
    stamps(inf, DOMAIN, info, expires_at=info.expires_at)
    return inf


def _links(inf: etree._Element, info: DomainInfo | ApplicationInfo) -> None:
    """registrant, contacts and name servers, in infData's order."""
    if info.registrant:
        sub(inf, _REGISTRANT, info.registrant)
    for kind, handle in info.contacts:
        sub(inf, _CONTACT, handle, type=kind)
    if info.nameservers:
        ns = sub(inf, _NS)
        for host in info.nameservers:
            sub(ns, _HOST_OBJ, host)


def cre_data(created: DomainCreated) -> etree._Element:
    cre = root(DOMAIN, "domain", "creData")
    sub(cre, _NAME, created.name)
    sub(cre, _CR_DATE, when(created.created_at))
    if created.expires_at is not None:  # an application has none yet
        sub(cre, _EX_DATE, when(created.expires_at))
    return cre


def application_inf_data(info: ApplicationInfo) -> etree._Element:
    """RFC 8334 3.2: an application reads as a domain pending its create."""
    inf = root(DOMAIN, "domain", "infData")
    sub(inf, _NAME, info.name)
    sub(inf, _ROID, info.roid)
    sub(inf, _STATUS, s="pendingCreate")
    _links(inf, info)
    sub(inf, tag(DOMAIN, "clID"), info.sponsor)
    sub(inf, tag(DOMAIN, "crID"), info.sponsor)
    sub(inf, _CR_DATE, when(info.created_at))
    if info.updated_at is not None:
        sub(inf, tag(DOMAIN, "upID"), info.sponsor)
        sub(inf, tag(DOMAIN, "upDate"), when(info.updated_at))
    return inf


def ren_data(name: str, expires_at: datetime) -> etree._Element:
    ren = root(DOMAIN, "domain", "renData")
    sub(ren, _NAME, name)
    sub(ren, _EX_DATE, when(expires_at))
    return ren


def trn_data(transfer: TransferData) -> etree._Element:
    return transfer_data(DOMAIN, "domain", "name", transfer, with_expiry=True)


def pan_data(name: str, succeeded: bool, cl_trid: str | None, sv_trid: str,
             at: datetime) -> etree._Element:
    """Pending action notification: a 1001 command's action has completed."""
    pan = root(DOMAIN, "domain", "panData")
    sub(pan, _NAME, name, paResult=flag(succeeded))
    pa_trid = sub(pan, tag(DOMAIN, "paTRID"))
    if cl_trid:
        sub(pa_trid, tag(EPP, "clTRID"), cl_trid)
    sub(pa_trid, tag(EPP, "svTRID"), sv_trid)
    sub(pan, tag(DOMAIN, "paDate"), when(at))
    return pan
