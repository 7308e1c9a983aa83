"""domain-1.0 (RFC 5731) response data."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from eppd.namespaces import DOMAIN, EPP, tag
from eppd.replies.elements import flag, reason, root, sub, when
from registry.flows.domain_check import DomainCheckResult
from registry.flows.domain_create import DomainCreated
from registry.values import TransferData
from registry.views import DomainInfo

_NAME = tag(DOMAIN, "name")
_CD = tag(DOMAIN, "cd")
_REASON = tag(DOMAIN, "reason")
_ROID = tag(DOMAIN, "roid")
_STATUS = tag(DOMAIN, "status")
_REGISTRANT = tag(DOMAIN, "registrant")
_CONTACT = tag(DOMAIN, "contact")
_NS = tag(DOMAIN, "ns")
_HOST_OBJ = tag(DOMAIN, "hostObj")
_HOST = tag(DOMAIN, "host")
_CL_ID = tag(DOMAIN, "clID")
_CR_ID = tag(DOMAIN, "crID")
_CR_DATE = tag(DOMAIN, "crDate")
_UP_ID = tag(DOMAIN, "upID")
_UP_DATE = tag(DOMAIN, "upDate")
_EX_DATE = tag(DOMAIN, "exDate")
_TR_DATE = tag(DOMAIN, "trDate")


def chk_data(result: DomainCheckResult) -> etree._Element:
    chk = root(DOMAIN, "domain", "chkData")
    for name in result.names:
        cd = sub(chk, _CD)
        sub(cd, _NAME, name.name, avail=flag(name.available))
        if not name.available and name.reason:
            sub(cd, _REASON, reason(name.reason))
    return chk


def inf_data(info: DomainInfo) -> etree._Element:
    """RFC 9154: authInfo is never returned, whoever asks."""
    inf = root(DOMAIN, "domain", "infData")
    sub(inf, _NAME, info.name)
    sub(inf, _ROID, info.roid)
    for status in info.statuses:
        sub(inf, _STATUS, s=status)
    if info.registrant:
        sub(inf, _REGISTRANT, info.registrant)
    for kind, handle in info.contacts:
        sub(inf, _CONTACT, handle, type=kind)
    if info.nameservers:
        ns = sub(inf, _NS)
        for host in info.nameservers:
            sub(ns, _HOST_OBJ, host)
    for host in info.subordinate_hosts:
        sub(inf, _HOST, host)
    sub(inf, _CL_ID, info.sponsor)
    if info.creator:
        sub(inf, _CR_ID, info.creator)
    sub(inf, _CR_DATE, when(info.created_at))
    if info.updated_at is not None:
        if info.updater:
            sub(inf, _UP_ID, info.updater)
        sub(inf, _UP_DATE, when(info.updated_at))
    sub(inf, _EX_DATE, when(info.expires_at))
    if info.transferred_at is not None:
        sub(inf, _TR_DATE, when(info.transferred_at))
    return inf


def cre_data(created: DomainCreated) -> etree._Element:
    cre = root(DOMAIN, "domain", "creData")
    sub(cre, _NAME, created.name)
    sub(cre, _CR_DATE, when(created.created_at))
    sub(cre, _EX_DATE, when(created.expires_at))
    return cre


def ren_data(name: str, expires_at: datetime) -> etree._Element:
    ren = root(DOMAIN, "domain", "renData")
    sub(ren, _NAME, name)
    sub(ren, _EX_DATE, when(expires_at))
    return ren


def trn_data(transfer: TransferData) -> etree._Element:
    trn = root(DOMAIN, "domain", "trnData")
    sub(trn, _NAME, transfer.name)
    sub(trn, tag(DOMAIN, "trStatus"), transfer.status)
    sub(trn, tag(DOMAIN, "reID"), transfer.gaining_clid)
    sub(trn, tag(DOMAIN, "reDate"), when(transfer.requested_at))
    sub(trn, tag(DOMAIN, "acID"), transfer.losing_clid)
    sub(trn, tag(DOMAIN, "acDate"), when(transfer.action_at))
    if transfer.expires_at is not None:
        sub(trn, _EX_DATE, when(transfer.expires_at))
    return trn


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
