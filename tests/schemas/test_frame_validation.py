"""EppValidator's reasons, and the served-namespace helpers the server uses for 2103/2307."""

from __future__ import annotations

import pytest
from lxml import etree

from eppd.parsing import parse_frame
from eppd.validation import (
    EppValidator,
    SchemaInvalid,
    command_object_namespace,
    extension_namespaces,
    unserved_extensions,
    unserved_object,
)
from schemas import NAMESPACES

EPP = 'xmlns="urn:ietf:params:xml:ns:epp-1.0"'
DOMAIN = 'xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"'
CHECK = (
    f"<check><domain:check {DOMAIN}><domain:name>a.example</domain:name>"
    "</domain:check></check>"
)


def frame(inner: str) -> etree._Element:
    return parse_frame(f"<epp {EPP}>{inner}</epp>".encode())


def test_reason_names_line_element_and_message(validator: EppValidator) -> None:
    doc = parse_frame(
        (
            f'<?xml version="1.0"?>\n<epp {EPP}>\n<command>\n<create>\n'
            f"<domain:create {DOMAIN}>\n<domain:name>a.example</domain:name>\n"
            '<domain:period unit="y">0</domain:period>\n</domain:create>\n</create>\n'
            "</command>\n</epp>"
        ).encode()
    )
    with pytest.raises(SchemaInvalid) as caught:
        validator.validate(doc)
    assert caught.value.reason.startswith("line 7: Element 'domain:period'")
    assert "minInclusive" in caught.value.reason
    assert str(caught.value) == caught.value.reason


def test_reason_is_trimmed_to_one_short_line(validator: EppValidator) -> None:
    long_name = "x" * 2000
    doc = frame(f"<command><{long_name}/></command>")
    with pytest.raises(SchemaInvalid) as caught:
        validator.validate(doc)
    assert len(caught.value.reason) <= 240 and caught.value.reason.endswith("...")


def test_unknown_namespace_keeps_its_uri_in_the_reason(validator: EppValidator) -> None:
    doc = frame(f'<command>{CHECK}<extension><x:y xmlns:x="urn:example:z"/></extension></command>')
    with pytest.raises(SchemaInvalid, match=r"\{urn:example:z\}y"):
        validator.validate(doc)


def test_validator_accepts_an_element_tree(validator: EppValidator) -> None:
    doc = frame("<hello/>")
    validator.validate(doc.getroottree())
    assert validator.is_valid(doc)
    assert not validator.is_valid(frame("<bye/>"))


def test_document_libxml2_cannot_walk_is_invalid_not_a_crash(validator: EppValidator) -> None:
    # parse_frame refuses DTDs, but a caller could hand over a tree from elsewhere.
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
    doc = etree.fromstring(
        b'<!DOCTYPE epp [<!ENTITY e "x">]><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">'
        b"<hello>&e;</hello></epp>",
        parser,
    )
    with pytest.raises(SchemaInvalid):
        validator.validate(doc)


def test_validator_builds_its_own_schema_when_none_is_given() -> None:
    EppValidator().validate(frame("<hello/>"))


def test_object_namespace_of_object_commands() -> None:
    assert command_object_namespace(frame(f"<command>{CHECK}</command>")) == NAMESPACES["domain"]
    transfer = (
        '<command><transfer op="query"><contact:transfer '
        'xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"><contact:id>c-1</contact:id>'
        "</contact:transfer></transfer></command>"
    )
    assert command_object_namespace(frame(transfer)) == NAMESPACES["contact"]
    assert command_object_namespace(frame("<command><logout/></command>")) is None
    assert command_object_namespace(frame('<command><poll op="req"/></command>')) is None
    assert command_object_namespace(frame("<hello/>")) is None
    assert command_object_namespace(frame("<command><check/></command>")) is None


def test_unserved_object_is_reported_served_ones_are_not() -> None:
    foreign = frame('<command><check><org:check xmlns:org="urn:ietf:params:xml:ns:org-1.0"/>'
                    "</check></command>")
    assert unserved_object(foreign) == "urn:ietf:params:xml:ns:org-1.0"
    assert unserved_object(frame(f"<command>{CHECK}</command>")) is None
    assert unserved_object(frame("<command><logout/></command>")) is None
    only_hosts = [NAMESPACES["host"]]
    assert unserved_object(frame(f"<command>{CHECK}</command>"), only_hosts) == NAMESPACES[
        "domain"
    ]


def test_extension_namespaces_and_unserved_ones() -> None:
    doc = frame(
        f"<command>{CHECK}<extension>"
        '<fee:check xmlns:fee="urn:ietf:params:xml:ns:epp:fee-1.0"/>'
        '<a:x xmlns:a="urn:example:a-1.0"/><a:y xmlns:a="urn:example:a-1.0"/>'
        '<b:x xmlns:b="urn:example:b-1.0"/></extension></command>'
    )
    assert extension_namespaces(doc) == [
        NAMESPACES["fee"],
        "urn:example:a-1.0",
        "urn:example:a-1.0",
        "urn:example:b-1.0",
    ]
    assert unserved_extensions(doc) == ["urn:example:a-1.0", "urn:example:b-1.0"]
    assert unserved_extensions(doc, served=[]) == [
        NAMESPACES["fee"],
        "urn:example:a-1.0",
        "urn:example:b-1.0",
    ]


def test_frames_without_extension_have_none() -> None:
    assert extension_namespaces(frame(f"<command>{CHECK}</command>")) == []
    assert unserved_extensions(frame("<hello/>")) == []
    assert unserved_extensions(parse_frame(b"<other/>")) == []


def test_response_extensions_are_listed() -> None:
    doc = frame(
        '<response><result code="1000"><msg>ok</msg></result><extension>'
        '<rgp:infData xmlns:rgp="urn:ietf:params:xml:ns:rgp-1.0"/></extension>'
        "<trID><svTRID>SV-1234</svTRID></trID></response>"
    )
    assert extension_namespaces(doc) == [NAMESPACES["rgp"]]
    assert unserved_extensions(doc) == []
