"""secDNS-1.1 (RFC 5910) info data."""

from __future__ import annotations

from lxml import etree

from eppd.namespaces import SECDNS, tag
from eppd.replies.elements import root, sub
from registry.views import DomainInfo


def inf_data(info: DomainInfo) -> etree._Element | None:
    """None when the domain has no DNSSEC data (the element needs at least one record)."""
    if not info.ds_data and not info.key_data:
        return None
    inf = root(SECDNS, "secDNS", "infData")
    if info.max_sig_life is not None:
        sub(inf, tag(SECDNS, "maxSigLife"), str(info.max_sig_life))
    for ds in info.ds_data:
        element = sub(inf, tag(SECDNS, "dsData"))
        sub(element, tag(SECDNS, "keyTag"), str(ds.key_tag))
        sub(element, tag(SECDNS, "alg"), str(ds.algorithm))
        sub(element, tag(SECDNS, "digestType"), str(ds.digest_type))
        sub(element, tag(SECDNS, "digest"), ds.digest)
    for key in info.key_data:
        element = sub(inf, tag(SECDNS, "keyData"))
        sub(element, tag(SECDNS, "flags"), str(key.flags))
        sub(element, tag(SECDNS, "protocol"), str(key.protocol))
        sub(element, tag(SECDNS, "alg"), str(key.algorithm))
        sub(element, tag(SECDNS, "pubKey"), key.public_key)
    return inf
