"""Registrar passwords, stored with scrypt (a slow, memory-hard KDF)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

R, P = 8, 1
PREFIX = "scrypt"


def hash_password(password: str, cost: int) -> str:
    """``cost`` is scrypt's N ([registry] password_hash_cost); the hash records it."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=cost, r=R, p=P, dklen=32)
    return "$".join((PREFIX, str(cost), str(R), str(P), _b64(salt), _b64(digest)))


def verify_password(password: str, stored: str) -> bool:
    try:
        prefix, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if prefix != PREFIX:
        return False
    actual = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                            dklen=len(_unb64(digest)))
    return hmac.compare_digest(actual, _unb64(digest))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)
