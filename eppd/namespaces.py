"""XML namespaces eppd reads and writes (the protocol, object mappings and extensions): the
ones both ends of the protocol share, from ``schemas.namespaces``, and what eppd serves."""

from __future__ import annotations

from schemas import namespaces as shared
from schemas.namespaces import (
    BALANCE,
    CHANGE_POLL,
    CONTACT,
    DOMAIN,
    EPP,
    FEE,
    HOST,
    LAUNCH,
    LOGIN_SEC,
    RGP,
    SECDNS,
    SECURE_AUTHINFO,
    UNHANDLED_NAMESPACES,
    tag,
)

# The greeting's menu: what both ends speak, plus what only the server offers (a registrar's
# balance, Verisign's mapping that clients such as epptools look for; launch phases and the
# TMCH, which RST requires of a gTLD registry).
OBJECTS = (*shared.OBJECTS, BALANCE)
EXTENSIONS = (*shared.EXTENSIONS, LAUNCH)

__all__ = ["BALANCE", "CHANGE_POLL", "CONTACT", "DOMAIN", "EPP", "EXTENSIONS", "FEE", "HOST",
           "LAUNCH", "LOGIN_SEC", "OBJECTS", "RGP", "SECDNS", "SECURE_AUTHINFO",
           "UNHANDLED_NAMESPACES", "tag"]
