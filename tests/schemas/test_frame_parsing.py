"""parse_frame refuses every DTD feature and unbounded input, and never reads local files."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from eppd.parsing import FrameRejected, _hardened_parser, parse_frame

SECRET = "PYRAR-SECRET-7f3a9c"
HELLO = b'<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>'


@pytest.fixture
def secret_files(tmp_path: Path) -> dict[str, str]:
    """A secret text file and a DTD that would define &leak; from it, as file:// URIs."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    dtd = tmp_path / "leak.dtd"
    dtd.write_text(f'<!ENTITY leak "{SECRET}">\n')
    return {"secret": secret.as_uri(), "dtd": dtd.as_uri()}


def attacks(files: dict[str, str]) -> dict[str, str]:
    root = '<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello>{}</hello></epp>'
    laughs = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    return {
        "xxe": f'<!DOCTYPE epp [<!ENTITY xxe SYSTEM "{files["secret"]}">]>'
        + root.format("&xxe;"),
        "billion laughs": f"<!DOCTYPE epp [{laughs}]>" + root.format("&a9;"),
        "external dtd": f'<!DOCTYPE epp SYSTEM "{files["dtd"]}">' + root.format("&leak;"),
        "parameter entity": f'<!DOCTYPE epp [<!ENTITY % p SYSTEM "{files["dtd"]}"> %p;]>'
        + root.format("&leak;"),
        "bare doctype": "<!DOCTYPE epp>" + root.format(""),
        "network dtd": '<!DOCTYPE epp SYSTEM "http://127.0.0.1:9/epp.dtd">' + root.format(""),
    }


ATTACKS = ["xxe", "billion laughs", "external dtd", "parameter entity", "bare doctype",
           "network dtd"]


@pytest.mark.parametrize("name", ATTACKS)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_dtd_attacks_are_refused_with_a_reason(secret_files, name: str, encoding: str) -> None:
    # UTF-16 hides the "<!DOCTYPE" bytes from the fast pre-check, so the parser settings
    # and the docinfo check must refuse on their own.
    declaration = f'<?xml version="1.0" encoding="{encoding.upper()}"?>'
    data = (declaration + attacks(secret_files)[name]).encode(encoding)
    with pytest.raises(FrameRejected) as caught:
        parse_frame(data)
    reason = caught.value.reason
    assert reason and str(caught.value) == reason
    assert SECRET not in reason and "lollollol" not in reason
    assert "DOCTYPE" in reason or "entity" in reason.lower()


@pytest.mark.parametrize("name", ATTACKS)
def test_hardened_parser_alone_never_expands_or_reads(secret_files, name: str) -> None:
    """Below the DOCTYPE refusal: the parser itself neither reads the secret nor expands."""
    data = attacks(secret_files)[name].encode()
    try:
        root = etree.fromstring(data, _hardened_parser())
    except etree.XMLSyntaxError as exc:
        assert SECRET not in str(exc)
        return
    text = etree.tostring(root, encoding="unicode")
    assert SECRET not in text
    assert "lol" * 10 not in text
    assert len(text) < 200


def test_secret_fixture_would_leak_through_a_permissive_parser(secret_files) -> None:
    """Proves the fixture is a real secret: an entity-resolving parser does read it."""
    data = attacks(secret_files)["xxe"].encode()
    permissive = etree.XMLParser(resolve_entities=True, no_network=True, load_dtd=True)
    assert SECRET in etree.tostring(etree.fromstring(data, permissive), encoding="unicode")


def test_xinclude_is_not_processed(secret_files) -> None:
    data = (
        '<epp xmlns="urn:ietf:params:xml:ns:epp-1.0" xmlns:xi="http://www.w3.org/2001/XInclude">'
        f'<hello><xi:include href="{secret_files["secret"]}" parse="text"/></hello></epp>'
    ).encode()
    root = parse_frame(data)
    assert SECRET not in etree.tostring(root, encoding="unicode")
    assert root.find(".//{http://www.w3.org/2001/XInclude}include") is not None


def test_trailing_whitespace_after_root_is_accepted() -> None:
    root = parse_frame(b'<?xml version="1.0" encoding="UTF-8"?>\n' + HELLO + b"\r\n \t\n\n")
    assert root.tag == "{urn:ietf:params:xml:ns:epp-1.0}epp"


def test_trailing_content_after_root_is_refused() -> None:
    with pytest.raises(FrameRejected, match="malformed XML: Extra content"):
        parse_frame(HELLO + b"<epp/>")


@pytest.mark.parametrize(
    "data",
    [b"", b"<epp", b"<epp></ep>", b"not xml at all", b"<a:b/>"],
    ids=["empty", "truncated", "mismatched", "text", "unbound-prefix"],
)
def test_malformed_xml_is_refused_with_the_parser_message(data: bytes) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_frame(data)
    assert caught.value.reason.startswith("malformed XML")
    assert len(caught.value.reason) <= 200


def test_undeclared_entity_reference_is_refused() -> None:
    with pytest.raises(FrameRejected, match="malformed XML"):
        parse_frame(b'<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello>&nope;</hello></epp>')


def test_predefined_and_character_references_still_work() -> None:
    root = parse_frame(
        b'<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello>&lt;&amp;&#65;</hello></epp>'
    )
    assert root[0].text == "<&A"


def test_oversized_frame_is_refused_before_parsing() -> None:
    data = HELLO + b" " * 2048
    with pytest.raises(FrameRejected, match="exceeds the 1024-byte limit"):
        parse_frame(data, max_bytes=1024)


def test_nesting_beyond_libxml2_bound_is_refused() -> None:
    with pytest.raises(FrameRejected, match="malformed XML"):
        parse_frame(b"<a>" * 300 + b"</a>" * 300)


def test_nesting_well_past_any_epp_payload_is_accepted() -> None:
    assert parse_frame(b"<a>" * 200 + b"</a>" * 200).tag == "a"


def test_libxml2_depth_bound_holds_even_for_huge_nesting() -> None:
    depth = 100_000
    with pytest.raises(FrameRejected):
        parse_frame(b"<a>" * depth + b"</a>" * depth, max_bytes=10 << 20)
