"""RRsets of hosted client zones, and the rules they must follow before reaching PowerDNS.

In the core because both ends check them: the registrar refuses a bad record while the user
is there to read why, and zonegen checks again before writing (an operator's CLI edit)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

EDITABLE_TYPES = frozenset({
    "A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SRV", "SSHFP",
    "SVCB", "TLSA", "TXT",
})
MIN_TTL = 60
MAX_TTL = 604800


class RRsetError(ValueError):
    """An RRset or a change to a zone that cannot be published; says which and why."""


def zone_name(name: str) -> str:
    """Lower case and absolute (trailing dot), or RRsetError."""
    try:
        return dns.name.from_text(name.strip()).to_text().lower()
    except dns.exception.DNSException as e:
        raise RRsetError(f"bad domain name {name!r}: {e}") from None


def _at_or_below(name: str, ancestor: str) -> bool:
    return dns.name.from_text(name).is_subdomain(dns.name.from_text(ancestor))


def _between(name: str, top: str) -> list[str]:
    """Names strictly between ``name`` and ``top``, nearest first."""
    out, cur, stop = [], dns.name.from_text(name), dns.name.from_text(top)
    while cur != stop and cur.is_subdomain(stop) and cur != dns.name.root:
        cur = cur.parent()
        if cur != stop and cur.is_subdomain(stop):
            out.append(cur.to_text().lower())
    return out


@dataclass(frozen=True)
class RRset:
    name: str
    type: str
    ttl: int
    contents: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, self.type)


def normalize_rrset(zone: str, rrset: RRset) -> RRset:
    """Canonical form (absolute lower-case names, parsed rdata) or RRsetError."""
    zone = zone_name(zone)
    raw = rrset.name.strip()
    name = zone if raw == "@" else zone_name(raw if raw.endswith(".") else f"{raw}.{zone}")
    if not _at_or_below(name, zone):
        raise RRsetError(f"{name} is not in the zone {zone}")
    if "*" in name.split(".")[1:]:
        raise RRsetError(f"{name}: a wildcard must be the leftmost label")
    rtype = rrset.type.upper()
    if rtype not in EDITABLE_TYPES:
        raise RRsetError(f"{name}: type {rtype} cannot be edited (allowed: "
                         f"{', '.join(sorted(EDITABLE_TYPES))})")
    if not MIN_TTL <= int(rrset.ttl) <= MAX_TTL:
        raise RRsetError(f"{name} {rtype}: TTL must be between {MIN_TTL} and {MAX_TTL}")
    if not rrset.contents:
        raise RRsetError(f"{name} {rtype}: an RRset needs at least one record")
    origin = dns.name.from_text(zone)
    contents = []
    for text in rrset.contents:
        try:
            rd = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype), text,
                                     origin=origin, relativize=False)
        except (dns.exception.DNSException, ValueError) as e:
            raise RRsetError(f"{name} {rtype}: bad record {text!r}: {e}") from None
        contents.append(rd.to_text())
    return RRset(name, rtype, int(rrset.ttl), tuple(sorted(set(contents))))


def check_zone(zone: str, rrsets: Iterable[RRset]) -> None:
    """Rules across RRsets: CNAME alone, apex NS kept, DS only at delegations, no data
    hidden below a delegation except glue."""
    zone = zone_name(zone)
    by_name: dict[str, set[str]] = {}
    for r in rrsets:
        by_name.setdefault(r.name, set()).add(r.type)
    if "NS" not in by_name.get(zone, set()):
        raise RRsetError(f"{zone}: the apex NS RRset cannot be removed")
    cuts = {n for n, types in by_name.items() if "NS" in types and n != zone}
    for name, types in by_name.items():
        if "CNAME" in types:
            if name == zone:
                raise RRsetError(f"{name}: no CNAME at the zone apex")
            if len(types) > 1:
                raise RRsetError(f"{name}: a CNAME cannot share its name with "
                                 f"{', '.join(sorted(types - {'CNAME'}))}")
        if "DS" in types and name not in cuts:
            raise RRsetError(f"{name}: a DS belongs at a delegation (a name with NS "
                             "below the apex)")
        for above in _between(name, zone):
            if above in cuts and not types <= {"A", "AAAA"}:
                raise RRsetError(f"{name}: only glue (A/AAAA) may exist below the "
                                 f"delegation {above}")
