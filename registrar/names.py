"""Names as users type them: UTS #46 mapping to IDNA2008 A-labels (the ``idna`` package),
shown back as U-labels. Emoji, which IDNA2008 refuses, are passed on NFC-normalised in
punycode so that the TLD's policy (emoji allowed or not) decides, as it does for EPP."""

from __future__ import annotations

import unicodedata

import idna

from registry.names import unicode_name

from .errors import InvalidInput

MAX_QUERY = 253


def to_ascii_label(text: str) -> str:
    """One label typed by a user, as the A-label (or LDH label) the registry stores."""
    label = text.strip()
    if not label:
        raise InvalidInput("an empty label is no name", field="query")
    if label.isascii():
        return label.lower()
    try:
        return idna.encode(label, uts46=True).decode("ascii")
    except idna.IDNAError:
        pass
    try:  # emoji: the registry's policy decides
        return "xn--" + unicodedata.normalize("NFC", label.lower()).encode(
            "punycode").decode("ascii")
    except UnicodeError:
        raise InvalidInput(f"{text[:80]!r} cannot be written as a domain name",
                           field="query") from None


def to_ascii_name(text: object) -> str:
    """A whole name (label.tld), mapped label by label."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_QUERY:
        raise InvalidInput("a domain name is needed", field="name")
    # UTS #46 maps the ideographic full stops to "." as well
    labels = text.strip().rstrip(".").replace("\u3002", ".").replace("\uff0e", ".").replace(
        "\uff61", ".").split(".")
    return ".".join(to_ascii_label(label) for label in labels)


def display(name: str) -> str:
    """The U-label form a person reads."""
    return unicode_name(name)
