"""Turn zone values into resource records in the text form PowerDNS stores them."""

from __future__ import annotations

from typing import NamedTuple

from zonegen.model import Delegation, ZoneSpec
from zonegen.names import db_name


class Record(NamedTuple):
    name: str        # absolute, lower case, trailing dot
    type: str
    content: str     # PowerDNS storage form: names without the trailing dot
    ttl: int


def address_type(address: str) -> str:
    return "AAAA" if ":" in address else "A"


def delegation_records(spec: ZoneSpec, d: Delegation) -> list[Record]:
    out = [Record(d.name, "NS", db_name(h), spec.ns_ttl) for h in d.nameservers]
    out += [Record(d.name, "DS", ds.content, spec.ds_ttl) for ds in d.ds]
    for host, addresses in d.glue:
        out += [Record(host, address_type(a), a, spec.glue_ttl) for a in addresses]
    return out


def apex_records(spec: ZoneSpec) -> list[Record]:
    """Apex NS and the addresses of in-zone name servers (not the SOA: its serial moves)."""
    out = [Record(spec.name, "NS", db_name(h), spec.apex_ns_ttl) for h in spec.nameservers]
    for host, addresses in spec.ns_addresses:
        out += [Record(host, address_type(a), a, spec.apex_ns_ttl) for a in addresses]
    return out
