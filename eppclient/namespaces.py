"""XML namespaces the client writes and reads; the URIs themselves come from ``schemas``."""

from __future__ import annotations

from schemas import NAMESPACES

EPP = NAMESPACES["epp"]
DOMAIN = NAMESPACES["domain"]
HOST = NAMESPACES["host"]
CONTACT = NAMESPACES["contact"]
SECDNS = NAMESPACES["secDNS"]
RGP = NAMESPACES["rgp"]
FEE = NAMESPACES["fee"]
LOGIN_SEC = NAMESPACES["loginSec"]
CHANGE_POLL = NAMESPACES["changePoll"]
# Signal-only URIs: logging in with them tells the server which practices we follow.
SECURE_AUTHINFO = "urn:ietf:params:xml:ns:epp:secure-authinfo-transfer-1.0"  # RFC 9154
UNHANDLED_NAMESPACES = "urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0"  # RFC 9038

# What the client understands; login asks for the part of these the greeting offers.
OBJECTS = (DOMAIN, HOST, CONTACT)
EXTENSIONS = (SECDNS, RGP, FEE, LOGIN_SEC, CHANGE_POLL, SECURE_AUTHINFO, UNHANDLED_NAMESPACES)
# Prefixes in the frames we write (readability only: any prefix means the same); the
# protocol's own namespace is the default one.
PREFIXES = {EPP: None, DOMAIN: "domain", HOST: "host", CONTACT: "contact", SECDNS: "secDNS",
            RGP: "rgp", FEE: "fee", LOGIN_SEC: "loginSec"}


def tag(uri: str, name: str) -> str:
    """Clark notation, ``{uri}name``, as lxml spells qualified names."""
    return f"{{{uri}}}{name}"
