"""XML namespaces eppd reads and writes (the protocol, object mappings and extensions): the
ones both ends of the protocol share, from ``schemas.namespaces``."""

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
           "OBJECTS", "RGP", "SECDNS", "SECURE_AUTHINFO", "UNHANDLED_NAMESPACES", "tag"]
