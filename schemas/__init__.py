"""EPP XML schemas written by PyRar from the RFC text, and the loader for the one-pass wrapper."""

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from lxml import etree

SCHEMA_DIR = Path(__file__).resolve().parent

# The wrapper has no target namespace; it imports every namespace below with an explicit
# schemaLocation, so a whole <epp> document validates in one pass.
WRAPPER_XSD = SCHEMA_DIR / "epp.xsd"

NAMESPACES: Mapping[str, str] = MappingProxyType(
    {
        "epp": "urn:ietf:params:xml:ns:epp-1.0",
        "eppcom": "urn:ietf:params:xml:ns:eppcom-1.0",
        "domain": "urn:ietf:params:xml:ns:domain-1.0",
        "host": "urn:ietf:params:xml:ns:host-1.0",
        "contact": "urn:ietf:params:xml:ns:contact-1.0",
        "secDNS": "urn:ietf:params:xml:ns:secDNS-1.1",
        "rgp": "urn:ietf:params:xml:ns:rgp-1.0",
        "fee": "urn:ietf:params:xml:ns:epp:fee-1.0",
        "loginSec": "urn:ietf:params:xml:ns:epp:loginSec-1.0",
        "changePoll": "urn:ietf:params:xml:ns:changePoll-1.0",
        "launch": "urn:ietf:params:xml:ns:launch-1.0",
        "mark": "urn:ietf:params:xml:ns:mark-1.0",
        "signedMark": "urn:ietf:params:xml:ns:signedMark-1.0",
        "dsig": "http://www.w3.org/2000/09/xmldsig#",
        "balance": "http://www.verisign.com/epp/balance-1.0",
        "idn": "urn:ietf:params:xml:ns:idn-1.0",
        "allocationToken": "urn:ietf:params:xml:ns:allocationToken-1.0",
    }
)

# What a greeting may advertise: object mappings (<objURI>) and command-response extensions
# (<extURI>).  epp/eppcom are the protocol itself; mark, signedMark and dsig only appear
# nested inside launch elements, so they are never advertised.
OBJECT_URIS: tuple[str, ...] = tuple(
    NAMESPACES[k] for k in ("domain", "host", "contact", "balance"))
EXTENSION_URIS: tuple[str, ...] = tuple(
    NAMESPACES[k] for k in ("secDNS", "rgp", "fee", "loginSec", "changePoll", "launch",
                            "idn", "allocationToken")
)


def load_schema() -> etree.XMLSchema:
    """Compile the wrapper schema; a few milliseconds of work, so callers keep the object."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    return etree.XMLSchema(etree.parse(str(WRAPPER_XSD), parser))
