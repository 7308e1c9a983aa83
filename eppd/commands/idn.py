"""idn-1.0 (draft-ietf-regext-idnmap) on domain:create: the IDN table the name is
registered under and, optionally, its U-label, which the core checks against the name."""

from __future__ import annotations

from lxml import etree

from eppd.namespaces import IDN, tag
from registry.values import IdnChoice


def create_data(extension: etree._Element | None) -> IdnChoice | None:
    element = extension.find(tag(IDN, "data")) if extension is not None else None
    if element is None:
        return None
    uname = element.findtext(tag(IDN, "uname"))
    return IdnChoice((element.findtext(tag(IDN, "table")) or "").strip(),
                     uname.strip() if uname is not None else None)
