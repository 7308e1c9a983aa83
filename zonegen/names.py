"""Domain names as PyRar's zone code handles them: lower case, absolute, trailing dot.

PowerDNS's SQL tables store names without the trailing dot; ``db_name`` converts.
"""

from __future__ import annotations

import base64
import hashlib
import re

import dns.name

_B32_STD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B32_HEX = b"0123456789abcdefghijklmnopqrstuv"
_TO_B32HEX = bytes.maketrans(_B32_STD, _B32_HEX)


class BadName(ValueError):
    """A domain name that is not usable here."""


# the common case, checked without building a dnspython Name: plain labels of letters,
# digits, hyphen and underscore (a subset of what dnspython accepts)
_PLAIN = re.compile(r"(?:[a-z0-9_-]{1,63}\.)*[a-z0-9_-]{1,63}\.?")


def normalize(name: str) -> str:
    """Canonical text form: lower case, absolute; rejects malformed names."""
    plain = name.strip().lower()
    if len(plain) <= 253 and _PLAIN.fullmatch(plain):
        return plain if plain.endswith(".") else plain + "."
    try:
        parsed = dns.name.from_text(name.strip())
    except dns.exception.DNSException as e:
        raise BadName(f"bad domain name {name!r}: {e}") from None
    return parsed.to_text().lower()


def is_plain(name: str) -> bool:
    """Letters, digits, hyphen, underscore only: what delegations and host names may use."""
    return len(name) <= 254 and bool(_PLAIN.fullmatch(name))


def db_name(name: str) -> str:
    """PowerDNS's storage form: no trailing dot (the root stays empty)."""
    return name[:-1] if name.endswith(".") else name


def is_at_or_below(name: str, ancestor: str) -> bool:
    return name == ancestor or name.endswith("." + ancestor) or ancestor == "."


def is_below(name: str, ancestor: str) -> bool:
    return name != ancestor and is_at_or_below(name, ancestor)


def parent(name: str) -> str:
    _head, _, rest = name.partition(".")
    return rest or "."


def ancestors_between(name: str, top: str) -> list[str]:
    """Names strictly between ``name`` and ``top``, nearest first."""
    out = []
    cur = parent(name)
    while cur != top and is_below(cur, top):
        out.append(cur)
        cur = parent(cur)
    return out


def _wire(name: str) -> bytes:
    if "\\" in name:
        return dns.name.from_text(name).canonicalize().to_wire()
    out = bytearray()
    for label in name.rstrip(".").split(".") if name != "." else []:
        raw = label.encode("ascii")
        out.append(len(raw))
        out += raw
    out.append(0)
    return bytes(out)


def nsec3_hash(name: str, salt: bytes, iterations: int) -> str:
    """RFC 5155 SHA-1 hash, base32hex lower case: PowerDNS's NSEC3 ``ordername``."""
    digest = hashlib.sha1(_wire(name) + salt).digest()
    for _ in range(iterations):
        digest = hashlib.sha1(digest + salt).digest()
    return base64.b32encode(digest).translate(_TO_B32HEX).decode("ascii")


def nsec_ordername(name: str, zone: str) -> str:
    """PowerDNS's NSEC ``ordername``: the name relative to the zone, labels reversed."""
    if name == zone:
        return ""
    relative = name[: -len(zone) - 1] if zone != "." else name[:-1]
    return " ".join(reversed(relative.split(".")))
