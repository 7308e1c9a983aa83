"""Bulk setup for benches: N delegated domains written straight into the core's tables.

The core flows take a few ms per domain; a bench that needs a 100k TLD writes the same rows
with multi-row INSERTs instead, keeping them as consistent as the flows would: the TLD and the
sponsoring registrar exist, ``next_event_at = expires_at`` (the domain's only event), in-domain
name servers are host objects with ``superordinate_id`` and addresses, the links are
``domain_hosts`` rows, DS records are ``ds_records`` rows.

Domain number ``i`` is ``d{i}.<tld>``. Three in four are served by their own ``ns1``/``ns2``
with glue A (one in four of all domains also AAAA on ``ns1``); the fourth is served by the two
external hosts ``EXTERNAL_NS``. Even numbers carry one DS. ``bulk_delegation`` gives the
delegation each domain should have in DNS, for checking live answers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from registry.models import Domain, DomainHost, DsRecord, Host, HostIp, Registrar, Tld
from zonegen.model import Delegation

EXTERNAL_NS = ("ns1.dns-provider.net", "ns2.dns-provider.net")
CHUNK = 5000


@dataclass(frozen=True)
class BulkSpec:
    tld: str
    count: int
    sponsor: str   # the registrar's clid


def has_own_hosts(i: int) -> bool:
    return i % 4 != 3


def glue_of(i: int, tld: str) -> dict[str, list[str]]:
    """Glue addresses of domain ``i``'s own name servers (empty when it uses external ones)."""
    if not has_own_hosts(i):
        return {}
    name = f"d{i}.{tld}"
    v4 = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
    return {f"ns1.{name}": [v4] + ([f"2001:db8::{i & 0xffff:x}"] if i % 4 == 0 else []),
            f"ns2.{name}": [v4]}


def ds_of(i: int, tld: str) -> tuple[int, int, int, str] | None:
    """(key tag, algorithm, digest type, upper-case hex digest), for even numbers."""
    if i % 2:
        return None
    return (i % 65536, 13, 2, hashlib.sha256(f"d{i}.{tld}".encode()).hexdigest().upper())


def bulk_delegation(i: int, tld: str) -> Delegation:
    """What DNS should say for domain ``i`` as loaded (absolute names, zonegen's model)."""
    glue = glue_of(i, tld)
    hosts = tuple(glue) if glue else EXTERNAL_NS
    ds = ds_of(i, tld)
    return Delegation(f"d{i}.{tld}.", tuple(h + "." for h in hosts),
                      {h + ".": a for h, a in glue.items()},
                      (f"{ds[0]} {ds[1]} {ds[2]} {ds[3]}",) if ds else ())


def load(engine: Engine, spec: BulkSpec) -> None:
    """Insert ``spec.count`` domains (ids after the current maximum) in one transaction."""
    now = datetime.now(UTC)
    created, expires = now - timedelta(days=30), now + timedelta(days=335)
    with engine.begin() as conn:
        tld_id = conn.scalar(select(Tld.id).where(Tld.name == spec.tld))
        sponsor = conn.scalar(select(Registrar.id).where(Registrar.clid == spec.sponsor))
        if tld_id is None or sponsor is None:
            raise LookupError(f"TLD {spec.tld} or registrar {spec.sponsor} does not exist")
        first_domain = (conn.scalar(select(func.max(Domain.id))) or 0) + 1
        host_id = (conn.scalar(select(func.max(Host.id))) or 0) + 1
        external = {}
        for name in EXTERNAL_NS:
            external[name] = conn.scalar(select(Host.id).where(Host.name == name))
            if external[name] is None:
                conn.execute(insert(Host), [_host(host_id, name, sponsor, created, None, [])])
                external[name], host_id = host_id, host_id + 1
        owned = {"sponsor_id": sponsor, "creator_id": sponsor, "created_at": created}
        for start in range(0, spec.count, CHUNK):
            domains, hosts, links, ds_rows = [], [], [], []
            for i in range(start, min(start + CHUNK, spec.count)):
                domain_id = first_domain + i
                domains.append({
                    "id": domain_id, "name": f"d{i}.{spec.tld}", "tld_id": tld_id, **owned,
                    "expires_at": expires, "next_event_at": expires, "statuses": [],
                    "state": "active"})
                glue = glue_of(i, spec.tld)
                if glue:
                    for name, addresses in glue.items():
                        hosts.append(_host(host_id, name, sponsor, created, domain_id,
                                           addresses))
                        links.append({"domain_id": domain_id, "host_id": host_id})
                        host_id += 1
                else:
                    links += [{"domain_id": domain_id, "host_id": h} for h in external.values()]
                ds = ds_of(i, spec.tld)
                if ds:
                    ds_rows.append({"domain_id": domain_id, "key_tag": ds[0],
                                    "algorithm": ds[1], "digest_type": ds[2], "digest": ds[3]})
            conn.execute(insert(Domain), domains)
            if hosts:
                conn.execute(insert(Host), hosts)
                ips = [{"address": a, "host_id": h["id"]} for h in hosts for a in h["addresses"]]
                if ips:  # the index the host flows keep (RDAP nameservers?ip=)
                    conn.execute(insert(HostIp), ips)
            conn.execute(insert(DomainHost), links)
            if ds_rows:
                conn.execute(insert(DsRecord), ds_rows)


def _host(host_id: int, name: str, sponsor: int, created: datetime, superordinate: int | None,
          addresses: list[str]) -> dict:
    return {"id": host_id, "name": name, "sponsor_id": sponsor, "creator_id": sponsor,
            "created_at": created, "superordinate_id": superordinate, "statuses": [],
            "addresses": addresses}
