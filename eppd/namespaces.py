"""XML namespaces eppd reads and writes (the protocol, object mappings and extensions): the
ones both ends of the protocol share, from ``schemas.namespaces``, and what eppd serves."""

from __future__ import annotations

from schemas import greeting
from schemas.namespaces import (
    ALLOCATION_TOKEN,
    BALANCE,
    CHANGE_POLL,
    CONTACT,
    DOMAIN,
    EPP,
    FEE,
    HOST,
    IDN,
    LAUNCH,
    LOGIN_SEC,
    RGP,
    SECDNS,
    SECURE_AUTHINFO,
    UNHANDLED_NAMESPACES,
    tag,
)

# The greeting's menu (schemas.greeting: the escrow deposit's EPP parameters say it too)
OBJECTS = greeting.OBJECT_URIS
EXTENSIONS = greeting.EXTENSION_URIS

__all__ = ["ALLOCATION_TOKEN", "BALANCE", "CHANGE_POLL", "CONTACT", "DOMAIN", "EPP",
           "EXTENSIONS", "FEE", "HOST", "IDN",
           "LAUNCH", "LOGIN_SEC", "OBJECTS", "RGP", "SECDNS", "SECURE_AUTHINFO",
           "UNHANDLED_NAMESPACES", "tag"]
