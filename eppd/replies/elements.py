"""Building response elements: a namespaced root, children, dates, amounts, and the pieces
the domain, host and contact mappings share (RFC 5731-5733)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from lxml import etree

from eppd.namespaces import tag
from eppd.responses import format_datetime
from registry.values import TransferData
from registry.views import ContactInfo, DomainInfo, HostInfo

# RFC 5730 eppcom:reasonType is at most 32 characters.
MAX_REASON = 32


def root(uri: str, prefix: str, name: str) -> etree._Element:
    return etree.Element(f"{{{uri}}}{name}", nsmap={prefix: uri})


def sub(parent: etree._Element, qname: str, text: str | None = None,
        **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, qname, attributes) if attributes else \
        etree.SubElement(parent, qname)
    if text is not None:
        element.text = text
    return element


def when(moment: datetime) -> str:
    return format_datetime(moment)


def flag(value: bool) -> str:
    return "1" if value else "0"


def reason(text: str) -> str:
    """A reason cut to fit eppcom:reasonType (32 characters), on a word if one is near."""
    text = " ".join(text.split())
    if len(text) <= MAX_REASON:
        return text
    cut = text[: MAX_REASON - 3]
    space = cut.rfind(" ")
    return (cut[:space] if space > 20 else cut).rstrip(" ,;:") + "..."


def check_data(uri: str, prefix: str, key: str,
               items: Iterable[tuple[str, bool, str | None]]) -> etree._Element:
    """``<chkData>``: per object its key (``name`` or ``id``) with ``avail``, and the reason
    when it is not available; ``items`` are (key, available, reason)."""
    chk = root(uri, prefix, "chkData")
    key_tag, cd_tag, reason_tag = tag(uri, key), tag(uri, "cd"), tag(uri, "reason")
    for value, available, why in items:
        cd = sub(chk, cd_tag)
        sub(cd, key_tag, value, avail=flag(available))
        if not available and why:
            sub(cd, reason_tag, reason(why))
    return chk


def stamps(parent: etree._Element, uri: str, info: DomainInfo | HostInfo | ContactInfo,
           expires_at: datetime | None = None) -> None:
    """An infData's sponsor and dates: clID, crID, crDate, upID and upDate once updated,
    exDate (domains), trDate once transferred."""
    sub(parent, tag(uri, "clID"), info.sponsor)
    if info.creator:
        sub(parent, tag(uri, "crID"), info.creator)
    sub(parent, tag(uri, "crDate"), when(info.created_at))
    if info.updated_at is not None:
        if info.updater:
            sub(parent, tag(uri, "upID"), info.updater)
        sub(parent, tag(uri, "upDate"), when(info.updated_at))
    if expires_at is not None:
        sub(parent, tag(uri, "exDate"), when(expires_at))
    if info.transferred_at is not None:
        sub(parent, tag(uri, "trDate"), when(info.transferred_at))


def transfer_data(uri: str, prefix: str, key: str, transfer: TransferData, *,
                  with_expiry: bool) -> etree._Element:
    """``<trnData>``; ``with_expiry`` adds exDate when known (domains: RFC 5731 3.2.4)."""
    trn = root(uri, prefix, "trnData")
    sub(trn, tag(uri, key), transfer.name)
    sub(trn, tag(uri, "trStatus"), transfer.status)
    sub(trn, tag(uri, "reID"), transfer.gaining_clid)
    sub(trn, tag(uri, "reDate"), when(transfer.requested_at))
    sub(trn, tag(uri, "acID"), transfer.losing_clid)
    sub(trn, tag(uri, "acDate"), when(transfer.action_at))
    if with_expiry and transfer.expires_at is not None:
        sub(trn, tag(uri, "exDate"), when(transfer.expires_at))
    return trn
