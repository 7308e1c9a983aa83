"""The official EPP XSDs (shared/reference/epp/xsd, read in place, never copied) compiled
into one wrapper schema, as our schemas/epp.xsd does for ours."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from schemas import NAMESPACES

XS = "http://www.w3.org/2001/XMLSchema"

# Official file for each namespace we ship, in an order where every namespace is loaded
# before a schema that refers to it (signedMark's xmldsig import names a W3C URL).
OFFICIAL_FILES = {
    "eppcom": "eppcom-1.0.xsd",
    "epp": "epp-1.0.xsd",
    "host": "host-1.0.xsd",
    "domain": "domain-1.0.xsd",
    "contact": "contact-1.0.xsd",
    "secDNS": "secDNS-1.1.xsd",
    "rgp": "rgp-1.0.xsd",
    "fee": "fee-1.0.xsd",
    "loginSec": "loginSec-1.0.xsd",
    "changePoll": "changePoll-1.0.xsd",
    "dsig": "xmldsig-core-schema.xsd",
    "mark": "mark-1.0.xsd",
    "signedMark": "signedMark-1.0.xsd",
    "launch": "launch-1.0.xsd",
    "idn": "idn-1.0.xsd",
    "allocationToken": "allocationToken-1.0.xsd",
}


def official_schema(xsd_dir: Path, workdir: Path) -> etree.XMLSchema:
    """One schema importing every official file by location; the wrapper goes in
    ``workdir``."""
    imports = "".join(
        f'<import namespace="{NAMESPACES[short]}" schemaLocation="{(xsd_dir / name).as_uri()}"/>'
        for short, name in OFFICIAL_FILES.items()
    )
    wrapper = workdir / "official-wrapper.xsd"
    wrapper.write_text(f'<schema xmlns="{XS}">{imports}</schema>', encoding="utf-8")
    return etree.XMLSchema(etree.parse(str(wrapper)))
