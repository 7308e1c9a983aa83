"""secDNS-1.1 (RFC 5910) on domain create and update: DS and key data, maxSigLife."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from eppd.namespaces import SECDNS, tag
from registry.errors import UnimplementedOption
from registry.values import DsData, KeyDataValue

_CREATE = tag(SECDNS, "create")
_UPDATE = tag(SECDNS, "update")
_MAX_SIG_LIFE = tag(SECDNS, "maxSigLife")
_DS_DATA = tag(SECDNS, "dsData")
_KEY_DATA = tag(SECDNS, "keyData")
_KEY_TAG = tag(SECDNS, "keyTag")
_ALG = tag(SECDNS, "alg")
_DIGEST_TYPE = tag(SECDNS, "digestType")
_DIGEST = tag(SECDNS, "digest")
_FLAGS = tag(SECDNS, "flags")
_PROTOCOL = tag(SECDNS, "protocol")
_PUB_KEY = tag(SECDNS, "pubKey")
_REM = tag(SECDNS, "rem")
_ADD = tag(SECDNS, "add")
_CHG = tag(SECDNS, "chg")
_ALL = tag(SECDNS, "all")
_TRUE = ("true", "1")


@dataclass(frozen=True)
class DnssecData:
    ds: tuple[DsData, ...] = ()
    keys: tuple[KeyDataValue, ...] = ()
    max_sig_life: int | None = None


@dataclass(frozen=True)
class DnssecChange:
    add: DnssecData = DnssecData()
    rem: DnssecData = DnssecData()
    rem_all: bool = False
    max_sig_life: int | None = None


def create_data(extension: etree._Element | None) -> DnssecData:
    element = extension.find(_CREATE) if extension is not None else None
    return _data(element) if element is not None else DnssecData()


def update_change(extension: etree._Element | None) -> DnssecChange | None:
    element = extension.find(_UPDATE) if extension is not None else None
    if element is None:
        return None
    if (element.get("urgent") or "").strip() in _TRUE:
        # RFC 5910 3.2.5: a server that cannot honour urgent must refuse with 2102.
        raise UnimplementedOption("urgent DNSSEC updates are not supported")
    rem = element.find(_REM)
    add = element.find(_ADD)
    chg = element.find(_CHG)
    rem_all = rem is not None and (rem.findtext(_ALL) or "").strip() in _TRUE
    added = _data(add) if add is not None else DnssecData()
    max_sig_life = _max_sig_life(chg) if chg is not None else None
    return DnssecChange(
        add=added,
        rem=_data(rem) if rem is not None and not rem_all else DnssecData(),
        rem_all=rem_all,
        max_sig_life=max_sig_life if max_sig_life is not None else added.max_sig_life)


def _data(element: etree._Element) -> DnssecData:
    return DnssecData(
        ds=tuple(_ds(d) for d in element.iterfind(_DS_DATA)),
        keys=tuple(_key(k) for k in element.iterfind(_KEY_DATA)),
        max_sig_life=_max_sig_life(element))


def _max_sig_life(element: etree._Element) -> int | None:
    value = element.findtext(_MAX_SIG_LIFE)
    return int(value) if value is not None else None


def _ds(element: etree._Element) -> DsData:
    if element.find(_KEY_DATA) is not None:
        raise UnimplementedOption("keyData inside dsData is not stored; send dsData alone "
                                  "or keyData alone")
    return DsData(int(element.findtext(_KEY_TAG)), int(element.findtext(_ALG)),
                  int(element.findtext(_DIGEST_TYPE)), element.findtext(_DIGEST).strip())


def _key(element: etree._Element) -> KeyDataValue:
    return KeyDataValue(int(element.findtext(_FLAGS)), int(element.findtext(_PROTOCOL)),
                        int(element.findtext(_ALG)), element.findtext(_PUB_KEY).strip())
