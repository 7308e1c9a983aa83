"""The EPP namespaces by name, for code on either end of the protocol (eppd and eppclient):
the protocol, the object mappings and the extensions PyRar speaks."""

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
BALANCE = NAMESPACES["balance"]  # Verisign's balance-1.0 object mapping
LAUNCH = NAMESPACES["launch"]  # RFC 8334
IDN = NAMESPACES["idn"]  # draft-ietf-regext-idnmap: the IDN table of a create
ALLOCATION_TOKEN = NAMESPACES["allocationToken"]  # RFC 8495
# Signal-only URIs: no elements; at login and in a greeting they say which practices a side
# follows.
SECURE_AUTHINFO = "urn:ietf:params:xml:ns:epp:secure-authinfo-transfer-1.0"  # RFC 9154
UNHANDLED_NAMESPACES = "urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0"  # RFC 9038

OBJECTS = (DOMAIN, HOST, CONTACT)
EXTENSIONS = (SECDNS, RGP, FEE, LOGIN_SEC, CHANGE_POLL, SECURE_AUTHINFO, UNHANDLED_NAMESPACES)


def tag(uri: str, name: str) -> str:
    """Clark notation, ``{uri}name``, as lxml spells qualified names."""
    return f"{{{uri}}}{name}"
