"""Our XSDs against the official ones (shared/reference/epp, read in place, never copied).

For every reference frame whose namespaces we ship, valid-under-ours must equal
valid-under-official; and every named definition in our files must have the same content
model as the official file for that namespace.  Any disagreement is a bug in our XSDs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from eppd.parsing import FrameRejected, parse_frame
from schemas import NAMESPACES, SCHEMA_DIR, load_schema
from tests.schemas.official_xsd import OFFICIAL_FILES
from tests.schemas.official_xsd import official_schema as official_wrapper

OUR_FILES = {short: f"{NAMESPACES[short].rsplit(':', 1)[-1]}.xsd" for short in NAMESPACES}
OUR_FILES["dsig"] = "xmldsig-core.xsd"

# Nomulus frames splice the fee version into the namespace URI (reference README).
PLACEHOLDERS = {b"%FEE_VERSION%": b"epp:fee-1.0"}


@pytest.fixture(scope="module")
def official_schema(reference_epp: Path, tmp_path_factory) -> etree.XMLSchema:
    return official_wrapper(reference_epp / "xsd", tmp_path_factory.mktemp("official"))


@dataclass
class Outcome:
    path: str
    ours: bool
    official: bool
    our_error: str
    official_error: str


def test_official_wrapper_covers_every_shipped_namespace() -> None:
    # balance-1.0 is a vendor mapping outside the official set (tests/eppd checks our
    # balance responses against the vendor's own file in reference/epp/xsd/extra).
    assert set(OFFICIAL_FILES) == set(NAMESPACES) - {"balance"}


def test_frames_validate_alike_under_ours_and_official(
    reference_epp: Path, official_schema: etree.XMLSchema, conformance_report: dict[str, int]
) -> None:
    ours = load_schema()
    shipped = {NAMESPACES[short] for short in OFFICIAL_FILES}
    manifest = reference_epp / "frames" / "MANIFEST.tsv"
    with manifest.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    outcomes: list[Outcome] = []
    refused = foreign = 0
    for row in rows:
        data = (reference_epp / "frames" / row["path"]).read_bytes()
        for token, value in PLACEHOLDERS.items():
            data = data.replace(token, value)
        try:
            doc = parse_frame(data)
        except FrameRejected:
            refused += 1
            continue
        used = {etree.QName(e).namespace for e in doc.iter() if isinstance(e.tag, str)}
        if not used <= shipped:
            foreign += 1
            continue
        valid_ours = ours.validate(doc)
        our_error = "" if valid_ours else ours.error_log[0].message
        valid_official = official_schema.validate(doc)
        official_error = "" if valid_official else official_schema.error_log[0].message
        outcomes.append(Outcome(row["path"], valid_ours, valid_official, our_error,
                                official_error))

    disagreements = [o for o in outcomes if o.ours != o.official]
    conformance_report.update({
        "manifest frames": len(rows),
        "compared (namespaces all shipped)": len(outcomes),
        "valid under both": sum(o.ours and o.official for o in outcomes),
        "invalid under both": sum(not o.ours and not o.official for o in outcomes),
        "disagreements": len(disagreements),
        "same first error message": sum(o.our_error == o.official_error for o in outcomes),
        "skipped: namespaces we do not ship": foreign,
        "skipped: refused by parse_frame (DOCTYPE, malformed)": refused,
    })
    assert len(outcomes) > 500, "too few reference frames compared; is the manifest intact?"
    assert not disagreements, "\n".join(
        f"{o.path}: ours={o.ours} official={o.official} "
        f"ours:{o.our_error!r} official:{o.official_error!r}"
        for o in disagreements
    )


@pytest.mark.parametrize("short", sorted(OFFICIAL_FILES))
def test_definitions_match_the_official_schema(reference_epp: Path, short: str) -> None:
    official = _definitions(reference_epp / "xsd" / OFFICIAL_FILES[short])
    ours = _definitions(SCHEMA_DIR / OUR_FILES[short])
    assert ours.keys() == official.keys()
    differing = sorted(key for key in ours if ours[key] != official[key])
    assert not differing, f"content models differ from the official schema: {differing}"


# Attributes whose values are QNames, compared as {namespace}local so prefixes don't matter.
_QNAME_ATTRIBUTES = frozenset({"type", "base", "ref", "substitutionGroup", "itemType"})
_DEFAULTS = {
    "minOccurs": "1",
    "maxOccurs": "1",
    "processContents": "strict",
    "use": "optional",
    "mixed": "false",
    "abstract": "false",
}


def _definitions(path: Path) -> dict[tuple[str, str | None], tuple]:
    """Top-level definitions of a schema file, each as a canonical nested tuple."""
    # The official xmldsig file carries an internal DTD with entities it uses itself.
    parser = etree.XMLParser(resolve_entities=True, load_dtd=False, no_network=True)
    root = etree.parse(str(path), parser).getroot()
    definitions = {}
    for child in root:
        shape = _canonical(child)
        if shape is not None:
            definitions[(shape[0], child.get("name"))] = shape
    definitions[("schema", None)] = (
        root.get("targetNamespace"),
        root.get("elementFormDefault"),
    )
    return definitions


def _canonical(node: etree._Element) -> tuple | None:
    if not isinstance(node.tag, str):
        return None
    name = etree.QName(node).localname
    if name in ("annotation", "import"):
        return None
    attributes = []
    for key, value in sorted(node.attrib.items()):
        if key in ("schemaLocation", "version") or _DEFAULTS.get(key) == value:
            continue
        if key in _QNAME_ATTRIBUTES:
            prefix, _, local = value.rpartition(":")
            value = f"{{{node.nsmap.get(prefix or None)}}}{local}"
        attributes.append((key, value.strip()))
    children = tuple(c for c in (_canonical(child) for child in node) if c is not None)
    return (name, tuple(attributes), children)
