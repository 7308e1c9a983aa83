"""RFC 9082 query parameters: names and patterns as the registry stores them, or BadQuery."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from registry.errors import EppError, ParameterPolicyError
from registry.names import MAX_NAME, lookup_name, normalize_host_name

MIN_PREFIX = 2  # characters before a search's "*": no listing the whole registry


class BadQuery(Exception):
    """400: the query cannot be understood; the message says why."""


class NotOurs(Exception):
    """404: a name this registry cannot hold (not a second-level name, say)."""


def domain_name(text: str) -> str:
    """A domain as stored (lower-case A-labels, no trailing dot) from an A- or U-label."""
    try:
        return lookup_name(text)
    except ParameterPolicyError as e:  # a name of another level than ours
        raise NotOurs(e.reason) from None
    except EppError:
        raise BadQuery(f"{text!r} is not a domain name") from None


def host_name(text: str) -> str:
    try:
        return normalize_host_name(text)
    except EppError:
        raise BadQuery(f"{text!r} is not a name server name") from None


def address(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise BadQuery(f"{text!r} is not an IP address") from None


@dataclass(frozen=True)
class Pattern:
    """A search: names that start with ``prefix``; a domain search may fix the TLD."""

    prefix: str
    exact: bool
    tld: str | None = None


def domain_pattern(text: str) -> Pattern:
    """``exa*``, ``exa*.example`` or an exact name (RFC 9082 section 4.1's partial match,
    trailing only)."""
    text = text.strip().rstrip(".").lower()
    if "*" not in text:
        return Pattern(domain_name(text), True)
    label, _, tld = text.partition(".")
    if text.count("*") > 1 or not label.endswith("*") or "." in tld:
        raise BadQuery("a domain pattern is LABEL* or LABEL*.TLD, one * at the label's end")
    prefix = label[:-1]
    _check_prefix(prefix)
    if not prefix.isascii():
        # an A-label's punycode part changes with the letters that follow the prefix, so a
        # U-label prefix is no A-label prefix: no index range can answer it
        raise BadQuery("a domain pattern's label is ASCII: A-labels (xn--...) or LDH")
    if tld:
        tld = domain_name(f"x.{tld}").split(".", 1)[1]
    return Pattern(prefix, False, tld or None)


def host_pattern(text: str) -> Pattern:
    text = text.strip().rstrip(".").lower()
    if "*" not in text:
        return Pattern(host_name(text), True)
    if text.count("*") > 1 or not text.endswith("*"):
        raise BadQuery("a name server pattern ends in a single *")
    prefix = text[:-1]
    _check_prefix(prefix)
    if not prefix.isascii() or len(prefix) > MAX_NAME:
        raise BadQuery("a name server pattern is ASCII (A-labels)")
    return Pattern(prefix, False)


def entity_pattern(text: str) -> Pattern:
    """A registrar's name (``fn``) or handle: exact, or a prefix ending in one ``*``."""
    text = " ".join(text.split())
    if "*" not in text:
        return Pattern(text, True)
    if text.count("*") > 1 or not text.endswith("*"):
        raise BadQuery("an entity pattern ends in a single *")
    _check_prefix(text[:-1])
    return Pattern(text[:-1], False)


def _check_prefix(prefix: str) -> None:
    if len(prefix) < MIN_PREFIX:
        raise BadQuery(f"a search needs at least {MIN_PREFIX} characters before the *")
