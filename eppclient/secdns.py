"""RFC 5910 secDNS-1.1, DS data interface: on create, update and in info answers."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from eppclient.documents import child, element
from eppclient.namespaces import SECDNS

_NS = {"s": SECDNS}


@dataclass(frozen=True)
class DsData:
    key_tag: int
    alg: int
    digest_type: int
    digest: str

    def normalized(self) -> DsData:
        return DsData(self.key_tag, self.alg, self.digest_type, self.digest.upper())


@dataclass(frozen=True)
class SecDnsInfo:
    ds: tuple[DsData, ...]
    max_sig_life: int | None


def create_extension(ds: tuple[DsData, ...], max_sig_life: int | None = None) -> etree._Element:
    node = element(SECDNS, "create")
    if max_sig_life is not None:
        child(node, SECDNS, "maxSigLife", max_sig_life)
    for record in ds:
        _ds(node, record)
    return node


def update_extension(add: tuple[DsData, ...] = (), rem: tuple[DsData, ...] = (), *,
                     remove_all: bool = False, max_sig_life: int | None = None,
                     urgent: bool = False) -> etree._Element:
    node = element(SECDNS, "update", urgent="true" if urgent else None)
    if remove_all or rem:
        removing = child(node, SECDNS, "rem")
        if remove_all:
            child(removing, SECDNS, "all", "true")
        else:
            for record in rem:
                _ds(removing, record)
    if add:
        adding = child(node, SECDNS, "add")
        for record in add:
            _ds(adding, record)
    if max_sig_life is not None:
        child(child(node, SECDNS, "chg"), SECDNS, "maxSigLife", max_sig_life)
    return node


def parse_info(ext: etree._Element | None) -> SecDnsInfo:
    if ext is None:
        return SecDnsInfo((), None)
    life = ext.findtext("s:maxSigLife", None, _NS)
    return SecDnsInfo(
        ds=tuple(DsData(int(d.findtext("s:keyTag", namespaces=_NS)),
                        int(d.findtext("s:alg", namespaces=_NS)),
                        int(d.findtext("s:digestType", namespaces=_NS)),
                        d.findtext("s:digest", namespaces=_NS).strip())
                 for d in ext.findall("s:dsData", _NS)),
        max_sig_life=int(life) if life else None)


def _ds(parent: etree._Element, record: DsData) -> None:
    node = child(parent, SECDNS, "dsData")
    child(node, SECDNS, "keyTag", record.key_tag)
    child(node, SECDNS, "alg", record.alg)
    child(node, SECDNS, "digestType", record.digest_type)
    child(node, SECDNS, "digest", record.digest)
