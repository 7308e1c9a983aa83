"""XML namespaces the client writes and reads; the URIs themselves come from ``schemas``."""

from __future__ import annotations

from schemas.namespaces import (
    CHANGE_POLL,
    CONTACT,
    DOMAIN,
    EPP,
    EXTENSIONS,
    FEE,
    HOST,
    LOGIN_SEC,
    OBJECTS,
    RGP,
    SECDNS,
    SECURE_AUTHINFO,
    UNHANDLED_NAMESPACES,
    tag,
)

__all__ = ["CHANGE_POLL", "CONTACT", "DOMAIN", "EPP", "EXTENSIONS", "FEE", "HOST", "LOGIN_SEC",
           "OBJECTS", "PREFIXES", "RGP", "SECDNS", "SECURE_AUTHINFO", "UNHANDLED_NAMESPACES",
           "tag"]

# Login asks for the part of OBJECTS and EXTENSIONS (what the client understands) that the
# greeting offers.

# Prefixes in the frames we write (readability only: any prefix means the same); the
# protocol's own namespace is the default one.
PREFIXES = {EPP: None, DOMAIN: "domain", HOST: "host", CONTACT: "contact", SECDNS: "secDNS",
            RGP: "rgp", FEE: "fee", LOGIN_SEC: "loginSec"}

