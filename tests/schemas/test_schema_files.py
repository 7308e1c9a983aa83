"""The shipped XSD files: each compiles, is named by its namespace, and the wrapper loads all."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from schemas import EXTENSION_URIS, NAMESPACES, OBJECT_URIS, SCHEMA_DIR, WRAPPER_XSD, load_schema

XS = "http://www.w3.org/2001/XMLSchema"
NAMESPACE_FILES = sorted(p for p in SCHEMA_DIR.glob("*.xsd") if p != WRAPPER_XSD)

# Where each file's formal syntax comes from; the header must name it.
SOURCES = {
    "epp-1.0.xsd": "RFC 5730",
    "eppcom-1.0.xsd": "RFC 5730",
    "domain-1.0.xsd": "RFC 5731",
    "host-1.0.xsd": "RFC 5732",
    "contact-1.0.xsd": "RFC 5733",
    "secDNS-1.1.xsd": "RFC 5910",
    "rgp-1.0.xsd": "RFC 3915",
    "fee-1.0.xsd": "RFC 8748",
    "loginSec-1.0.xsd": "RFC 8807",
    "changePoll-1.0.xsd": "RFC 8590",
    "launch-1.0.xsd": "RFC 8334",
    "allocationToken-1.0.xsd": "RFC 8495",
    "mark-1.0.xsd": "RFC 7848",
    "signedMark-1.0.xsd": "RFC 7848",
    "xmldsig-core.xsd": "XML Signature Syntax and Processing",
    "idn-1.0.xsd": "draft-ietf-regext-idnmap",
    "balance-1.0.xsd": "Balance Mapping for the Extensible Provisioning Protocol",
}
# Written from a vendor's mapping document, not an RFC: no IETF Trust licence applies.
VENDOR = {"balance-1.0.xsd"}


def target_namespace(path) -> str:
    return etree.parse(str(path)).getroot().get("targetNamespace")


def test_every_namespace_file_has_a_known_source() -> None:
    assert sorted(p.name for p in NAMESPACE_FILES) == sorted(SOURCES)


@pytest.mark.parametrize("path", NAMESPACE_FILES, ids=lambda p: p.name)
def test_xsd_compiles_on_its_own(path) -> None:
    schema = etree.XMLSchema(etree.parse(str(path)))
    assert isinstance(schema, etree.XMLSchema)


@pytest.mark.parametrize("path", NAMESPACE_FILES, ids=lambda p: p.name)
def test_header_names_source_and_licence(path) -> None:
    text = path.read_text(encoding="utf-8")
    header = text.split("<schema", 1)[0]
    assert SOURCES[path.name] in header
    if path.name.startswith("xmldsig"):
        assert "W3C Software" in header
    elif path.name not in VENDOR:
        assert "IETF Trust and the persons identified as authors" in header
        assert "Redistribution and use in source and binary forms" in header
    assert "<!DOCTYPE" not in text and "<!ENTITY" not in text


@pytest.mark.parametrize("path", NAMESPACE_FILES, ids=lambda p: p.name)
def test_file_is_named_by_its_namespace(path) -> None:
    namespace = target_namespace(path)
    assert namespace in NAMESPACES.values()
    if namespace == NAMESPACES["dsig"]:
        assert path.stem == "xmldsig-core"
    else:
        # urn:ietf:params:xml:ns:[epp:]NAME-VERSION (or a vendor's http://.../NAME-VERSION)
        # is shipped as NAME-VERSION.xsd
        assert re.sub(r"^urn:ietf:params:xml:ns:(epp:)?|^http://.*/", "", namespace) \
            == path.stem


def test_namespaces_map_matches_the_files() -> None:
    assert sorted(target_namespace(p) for p in NAMESPACE_FILES) == sorted(NAMESPACES.values())


def test_wrapper_imports_every_namespace_with_a_location() -> None:
    root = etree.parse(str(WRAPPER_XSD)).getroot()
    assert root.get("targetNamespace") is None
    imports = root.findall(f"{{{XS}}}import")
    assert sorted(i.get("namespace") for i in imports) == sorted(NAMESPACES.values())
    for imported in imports:
        location = SCHEMA_DIR / imported.get("schemaLocation")
        assert location.is_file()
        assert target_namespace(location) == imported.get("namespace")


def test_advertised_uris_are_shipped_namespaces() -> None:
    shipped = set(NAMESPACES.values())
    assert set(OBJECT_URIS) <= shipped and set(EXTENSION_URIS) <= shipped
    assert not set(OBJECT_URIS) & set(EXTENSION_URIS)
    assert NAMESPACES["secDNS"] in EXTENSION_URIS and NAMESPACES["launch"] in EXTENSION_URIS
    assert NAMESPACES["domain"] in OBJECT_URIS


def test_load_schema_builds_a_fresh_object_each_call() -> None:
    first, second = load_schema(), load_schema()
    assert isinstance(first, etree.XMLSchema)
    assert first is not second
