"""Object authorization information (RFC 9154): strong, random, stored only as a salted hash.

RFC 9154 section 4.1 asks for at least 128 bits of entropy, so a salted SHA-256 is a sound
store (nothing to brute-force) and keeps transform commands fast; section 4.2 asks the
registry to check the randomness by length and character set, which ``entropy_bits`` estimates.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import string

from .errors import ParameterPolicyError

PREFIX = "sha256"
CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)


def hash_authinfo(value: str) -> str:
    salt = os.urandom(16).hex()
    return f"{PREFIX}${salt}${_digest(salt, value)}"


def verify_authinfo(value: str, stored: str | None) -> bool:
    """An unset authInfo never matches anything (RFC 9154: unset means no transfer)."""
    if not stored or not value:
        return False
    prefix, _, rest = stored.partition("$")
    salt, _, digest = rest.partition("$")
    return prefix == PREFIX and hmac.compare_digest(_digest(salt, value), digest)


def entropy_bits(value: str) -> float:
    """Length times log2 of the alphabet the value draws from (character classes it uses)."""
    pool = sum(len(c) for c in CLASSES if any(ch in c for ch in value))
    if any(not any(ch in c for c in CLASSES) for ch in value):
        pool += 32  # printable specials
    return len(value) * math.log2(pool) if pool else 0.0


def check_strength(value: str, min_bits: int) -> None:
    if value and entropy_bits(value) < min_bits:
        raise ParameterPolicyError(
            f"authInfo is too weak: about {entropy_bits(value):.0f} bits of entropy, "
            f"at least {min_bits} required (RFC 9154); use a longer random value")


def _digest(salt: str, value: str) -> str:
    return hashlib.sha256(f"{salt}:{value}".encode()).hexdigest()
