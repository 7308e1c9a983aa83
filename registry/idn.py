"""IDN tables per TLD: which code points a label may use, one script per label, variants.

A TLD with IDN tables takes an IDN label only when one table holds every code point of
it (digits and the hyphen are common to all tables): that is the one-script-per-label
rule, and a table is a script or a language. Without tables a label must still be of one
Unicode script (its characters' Script_Extensions share one script, Common and Inherited
aside; Han goes with Hiragana and Katakana in Japanese, with Hangul in Korean and with
Bopomofo). IDNA2008 (RFC 5891/5892) and its bidi rule (RFC 5893) are checked before, by
``registry.names.check_label`` (the ``idna`` package).

Tables are read from a subset of the Label Generation Ruleset format (RFC 7940), the form
IANA's repository and ICANN's LGRs use: ``<meta><version>``, ``<meta><language>`` (the
table's tag, e.g. ``und-Latn``), and in ``<data>`` single code points ``<char cp="0061"/>``,
ranges ``<range first-cp="0061" last-cp="007A"/>`` and variants ``<char cp="56FD"><var
cp="570B" type="allocatable"/></char>`` of type ``blocked`` or ``allocatable``
(``out-of-repertoire-var`` counts as blocked). Sequences, contexts (``when``/``not-when``)
and ``<rules>`` are refused with the line they are on: a table we cannot apply whole is
not loaded.

Variants: every code point belongs to the variant set it is linked to (across all the
TLD's tables); a label's variant key is the label with each code point replaced by the
smallest of its set. Two labels with one key are variants of each other: a blocked
variant of a registered name cannot be registered; an allocatable one only by the
registered name's sponsor, bundled with it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import regex
from lxml import etree

from .errors import ParameterPolicyError, ParameterSyntaxError

LGR = "urn:ietf:params:xml:ns:lgr-1.0"
VARIANT_TYPES = {"blocked": "blocked", "allocatable": "allocatable",
                 "out-of-repertoire-var": "blocked"}
COMMON = frozenset(map(ord, "0123456789-"))
MAX_TABLE_BYTES = 4 * 1024 * 1024
# Scripts that share one label in the languages that write them together.
SCRIPT_GROUPS = ({"Han", "Hiragana", "Katakana"}, {"Han", "Hangul"}, {"Han", "Bopomofo"})
_SCRIPT_NAMES = ("Latin", "Greek", "Cyrillic", "Armenian", "Hebrew", "Arabic", "Syriac",
                 "Thaana", "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil",
                 "Telugu", "Kannada", "Malayalam", "Sinhala", "Thai", "Lao", "Tibetan",
                 "Myanmar", "Georgian", "Hangul", "Ethiopic", "Cherokee", "Khmer", "Mongolian",
                 "Hiragana", "Katakana", "Bopomofo", "Han", "Tifinagh", "Nko")
# Script_Extensions, so that a character used by several scripts counts for each of them.
_SCRIPTS = tuple((name, regex.compile(rf"\p{{scx={name}}}")) for name in _SCRIPT_NAMES)


@dataclass(frozen=True)
class Table:
    """An IDN table: its tag, version, code point ranges and variants."""

    tag: str
    version: str
    ranges: tuple[tuple[int, int], ...]
    variants: tuple[tuple[int, int, str], ...]  # (cp, variant cp, "blocked"|"allocatable")

    def covers(self, cp: int) -> bool:
        return cp in COMMON or any(lo <= cp <= hi for lo, hi in self.ranges)


def parse_lgr(data: bytes) -> Table:
    """A table from LGR XML (the subset above); ParameterSyntaxError naming what is wrong."""
    if len(data) > MAX_TABLE_BYTES:
        raise ParameterSyntaxError(f"an IDN table is at most {MAX_TABLE_BYTES} bytes")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise ParameterSyntaxError(f"the IDN table is not XML: {e}") from None
    if root.tag != f"{{{LGR}}}lgr":
        raise ParameterSyntaxError(f"the IDN table must be an <lgr> in {LGR} (RFC 7940)")
    meta = root.find(f"{{{LGR}}}meta")
    tag = (meta.findtext(f"{{{LGR}}}language") if meta is not None else None) or ""
    version = (meta.findtext(f"{{{LGR}}}version") if meta is not None else None) or ""
    if not tag.strip():
        raise ParameterSyntaxError("the IDN table needs <meta><language> (e.g. und-Latn)")
    if root.find(f"{{{LGR}}}rules") is not None:
        raise ParameterSyntaxError("IDN table <rules> (WLE) are not supported")
    ranges, variants = [], []
    for element in root.iterfind(f"{{{LGR}}}data/*"):
        if not isinstance(element.tag, str):
            continue
        where = f"line {element.sourceline}"
        if element.get("when") or element.get("not-when"):
            raise ParameterSyntaxError(f"IDN table {where}: contexts are not supported")
        name = etree.QName(element).localname
        if name == "range":
            first, last = _cp(element.get("first-cp"), where), _cp(element.get("last-cp"), where)
            if first > last:
                raise ParameterSyntaxError(f"IDN table {where}: range ends before it starts")
            ranges.append((first, last))
        elif name == "char":
            cp = _cp(element.get("cp"), where)
            ranges.append((cp, cp))
            for var in element.iterfind(f"{{{LGR}}}var"):
                kind = VARIANT_TYPES.get(var.get("type") or "")
                if kind is None:
                    raise ParameterSyntaxError(
                        f"IDN table line {var.sourceline}: variant type must be one of "
                        f"{', '.join(VARIANT_TYPES)}")
                variants.append((cp, _cp(var.get("cp"), f"line {var.sourceline}"), kind))
        else:
            raise ParameterSyntaxError(f"IDN table {where}: <{name}> is not supported")
    if not ranges:
        raise ParameterSyntaxError("the IDN table lists no code points")
    return Table(tag.strip(), version.strip(), tuple(sorted(ranges)), tuple(variants))


def _cp(text: str | None, where: str) -> int:
    """One code point written as hex (``0061``); a sequence ("0061 0062") is refused."""
    parts = (text or "").split()
    if len(parts) != 1:
        raise ParameterSyntaxError(f"IDN table {where}: one code point expected, not "
                                   f"{text!r} (sequences are not supported)" if parts
                                   else f"IDN table {where}: a code point is missing")
    try:
        cp = int(parts[0], 16)
    except ValueError:
        raise ParameterSyntaxError(f"IDN table {where}: {parts[0]!r} is not hex") from None
    if not 0 <= cp <= 0x10FFFF:
        raise ParameterSyntaxError(f"IDN table {where}: U+{cp:X} is not a code point")
    return cp


def describe(cp: int) -> str:
    return f"U+{cp:04X} {unicodedata.name(chr(cp), '')}".rstrip()


def table_for(ulabel: str, label: str, tld: str, tables: Sequence[Table]) -> Table:
    """The table that holds every code point of ``ulabel``; 2306 naming the character no
    table has, or saying the label mixes scripts."""
    cps = [ord(c) for c in ulabel]
    for table in tables:
        if all(table.covers(cp) for cp in cps):
            return table
    for cp in cps:
        if not any(table.covers(cp) for table in tables):
            raise ParameterPolicyError(
                f"{label}: {describe(cp)} is not in any IDN table of .{tld} "
                f"({', '.join(t.tag for t in tables)})", value=label)
    raise ParameterPolicyError(
        f"{label} mixes scripts: no one IDN table of .{tld} "
        f"({', '.join(t.tag for t in tables)}) holds all its characters", value=label)


def check_one_script(ulabel: str, label: str) -> None:
    """Without tables: the label's letters are of one script (or one of SCRIPT_GROUPS)."""
    found = [{name for name, pattern in _SCRIPTS if pattern.match(char)} for char in ulabel]
    found = [scripts for scripts in found if scripts]
    groups = [{name} for name, _ in _SCRIPTS] + list(SCRIPT_GROUPS)
    if found and not any(all(scripts & group for scripts in found) for group in groups):
        raise ParameterPolicyError(
            f"{label} mixes scripts ({', '.join(sorted(set().union(*found)))}): a label is "
            "written in one", value=label)


def variant_sets(tables: Iterable[Table]) -> dict[int, int]:
    """Each code point with variants -> the smallest code point of its variant set."""
    parent: dict[int, int] = {}

    def find(cp: int) -> int:
        while parent.setdefault(cp, cp) != cp:
            parent[cp] = parent[parent[cp]]
            cp = parent[cp]
        return cp

    for table in tables:
        for cp, var, _ in table.variants:
            a, b = find(cp), find(var)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {cp: find(cp) for cp in parent}


def variant_key(ulabel: str, sets: dict[int, int]) -> str | None:
    """The label's variant key as an A-label, or None when no code point has variants."""
    if not any(ord(c) in sets for c in ulabel):
        return None
    canonical = "".join(chr(sets.get(ord(c), ord(c))) for c in ulabel)
    return "xn--" + canonical.encode("punycode").decode("ascii")


def disposition(new: str, registered: str, tables: Iterable[Table]) -> str:
    """``allocatable`` when every code point where ``new`` differs from ``registered`` (two
    labels with one variant key) is an allocatable variant, else ``blocked``."""
    kinds = {(cp, var): kind for table in tables for cp, var, kind in table.variants}
    for a, b in zip(registered, new, strict=False):
        if a != b and kinds.get((ord(a), ord(b))) != "allocatable":
            return "blocked"
    return "allocatable" if len(new) == len(registered) else "blocked"
