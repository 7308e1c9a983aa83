"""RRsets of hosted client zones, and the rules they must follow before reaching PowerDNS."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

from zonegen.names import BadName, ancestors_between, is_at_or_below, normalize

EDITABLE_TYPES = frozenset({
    "A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SRV", "SSHFP",
    "SVCB", "TLSA", "TXT",
})
MIN_TTL = 60
MAX_TTL = 604800


class RRsetError(ValueError):
    """An RRset or a change to a zone that cannot be published; says which and why."""


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
    zone = normalize(zone)
    raw = rrset.name.strip()
    try:
        name = zone if raw == "@" else normalize(raw if raw.endswith(".") else f"{raw}.{zone}")
    except BadName as e:
        raise RRsetError(str(e)) from None
    if not is_at_or_below(name, zone):
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
    zone = normalize(zone)
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
        for above in ancestors_between(name, zone):
            if above in cuts and not types <= {"A", "AAAA"}:
                raise RRsetError(f"{name}: only glue (A/AAAA) may exist below the "
                                 f"delegation {above}")
