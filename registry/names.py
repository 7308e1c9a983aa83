"""Name syntax: domain labels (LDH, IDNA2008, emoji by TLD policy), host names and contact ids."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass

import idna

from .errors import ParameterPolicyError, ParameterSyntaxError

# \Z, not $: "$" also matches before a trailing newline.
LDH_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
CONTACT_ID = re.compile(r"^[\x21-\x7e]{3,16}\Z")
MAX_NAME = 253

# Code points the original PyRar sold as emoji names: pictographs, dingbats, symbols,
# regional indicators, skin tones, variation selector 16 and the zero-width joiner.
EMOJI_RANGES = (
    (0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x2300, 0x23FF),
    (0x1F1E6, 0x1F1FF), (0xFE0F, 0xFE0F), (0x200D, 0x200D), (0x2190, 0x21FF),
)
# They join or style emoji but are not emoji on their own.
EMOJI_MODIFIERS = (0xFE0F, 0x200D)


@dataclass(frozen=True)
class DomainName:
    """A second-level name split into its label and TLD, both A-labels."""

    label: str
    tld: str

    @property
    def name(self) -> str:
        return f"{self.label}.{self.tld}"


def split_domain(text: str) -> DomainName:
    """Split a name into label and TLD, lower-casing and converting IDN labels to A-labels.

    Only checks the shape; ``check_label`` applies the TLD's policy to the label.
    """
    name = text.strip().rstrip(".").lower()
    if not name or len(name) > MAX_NAME:
        raise ParameterSyntaxError(f"{text!r} is not a domain name")
    labels = name.split(".")
    if len(labels) != 2:
        raise ParameterPolicyError(
            f"{text!r}: only second-level names can be registered", value=text)
    label, tld = labels
    if not label or not tld:
        raise ParameterSyntaxError(f"{text!r} has an empty label", value=text)
    return DomainName(_to_ascii(label, text), _to_ascii(tld, text))


def lookup_name(text: str) -> str:
    """A second-level name a lookup service was asked for (A- or U-labels, any case, a
    trailing dot), as stored; ParameterSyntaxError when it is no domain name,
    ParameterPolicyError when it is one of another level."""
    name = split_domain(text)
    check_label(name.label, idn_allowed=True, emoji_allowed=True)
    return name.name


def _to_ascii(label: str, text: str) -> str:
    """Non-ASCII input becomes its punycode form; the policy check decides if it is allowed."""
    if label.isascii():
        return label
    try:
        return "xn--" + unicodedata.normalize("NFC", label).encode("punycode").decode("ascii")
    except UnicodeError:
        raise ParameterSyntaxError(f"{text!r} cannot be encoded", value=text) from None


def check_label(label: str, *, idn_allowed: bool, emoji_allowed: bool) -> str:
    """Validate an A-label against LDH, IDNA2008 and the TLD's IDN/emoji policy; return it."""
    if len(label) > 63:
        raise ParameterSyntaxError(f"label {label!r} is longer than 63 octets", value=label)
    if not LDH_LABEL.match(label):
        raise ParameterSyntaxError(
            f"label {label!r} must be letters, digits and hyphens, not starting or ending "
            "with a hyphen", value=label)
    if label[2:4] != "--":
        return label
    if not label.startswith("xn--"):
        raise ParameterSyntaxError(
            f"label {label!r}: hyphens in the third and fourth positions are reserved",
            value=label)
    try:
        ulabel = label[4:].encode("ascii").decode("punycode")
    except UnicodeError:
        raise ParameterSyntaxError(f"label {label!r} is not valid punycode", value=label) from None
    try:
        valid_idn = idna.decode(label) == ulabel
        problem = "not in normalized form"
    except idna.IDNAError as e:
        valid_idn, problem = False, str(e)
    if valid_idn:
        if not idn_allowed:
            raise ParameterPolicyError(f"this TLD does not accept IDN labels ({label})",
                                       value=label)
        return label
    if _is_emoji_label(ulabel):
        if not emoji_allowed:
            raise ParameterPolicyError(f"this TLD does not accept emoji labels ({label})",
                                       value=label)
        return label
    raise ParameterPolicyError(f"label {label!r} is not valid IDNA2008: {problem}", value=label)


def _is_emoji_label(ulabel: str) -> bool:
    """True when every character IDNA2008 refuses is an emoji (and something is)."""
    if ulabel.startswith("-") or ulabel.endswith("-") or ulabel[2:4] == "--":
        return False
    has_emoji = False
    for char in ulabel:
        cp = ord(char)
        if any(lo <= cp <= hi for lo, hi in EMOJI_RANGES):
            has_emoji = has_emoji or cp not in EMOJI_MODIFIERS
            continue
        if char == "-":  # valid inside a label, but idna refuses it as a label of its own
            continue
        try:
            idna.encode(char)
        except idna.IDNAError:
            return False
    return has_emoji


def unicode_name(name: str) -> str:
    """The U-label form for display; emoji labels that IDNA2008 refuses decode by punycode."""
    out = []
    for label in name.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label[4:].encode("ascii").decode("punycode")
        out.append(label)
    return ".".join(out)


def normalize_host_name(text: str) -> str:
    """A host name as stored: lower-case A-labels, no trailing dot, at least two labels."""
    name = text.strip().rstrip(".").lower()
    labels = name.split(".")
    if not name or len(name) > MAX_NAME or len(labels) < 2:
        raise ParameterSyntaxError(f"{text!r} is not a valid host name", value=text)
    for i, label in enumerate(labels):
        label = _to_ascii(label, text)
        labels[i] = label
        if len(label) > 63 or not LDH_LABEL.match(label):
            raise ParameterSyntaxError(f"{text!r} is not a valid host name", value=text)
        if label[2:4] == "--" and not (i == len(labels) - 1 and _test_tld(label)):
            try:
                check_label(label, idn_allowed=True, emoji_allowed=True)
            except (ParameterSyntaxError, ParameterPolicyError):
                raise ParameterSyntaxError(
                    f"{text!r} is not a valid host name: bad label {label!r}", value=text
                ) from None
    if labels[-1].isdigit():
        raise ParameterSyntaxError(f"{text!r} is not a valid host name", value=text)
    return ".".join(labels)


def check_tld_label(label: str) -> str:
    """A TLD's label: as ``check_label``, except that ICANN's test TLDs are R-LDH labels."""
    if _test_tld(label) and len(label) <= 63 and LDH_LABEL.match(label):
        return label
    return check_label(label, idn_allowed=True, emoji_allowed=False)


def _test_tld(label: str) -> bool:
    """RST test TLDs look like ``zz--main-1234``: hyphens in positions 3-4 but not xn--."""
    return label[2:4] == "--" and not label.startswith("xn--")


def check_contact_id(handle: str) -> str:
    if not CONTACT_ID.match(handle):
        raise ParameterSyntaxError(
            f"contact id {handle!r} must be 3 to 16 printable characters", value=handle)
    return handle
