"""Create and configure a TLD zone through the API: zone, keys, NSEC3 parameters, catalog.

Only small, rare operations go through the API; the records of a large zone are written by
``writer``/``sync`` straight into the database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from zonegen.api import PowerDnsApi
from zonegen.model import DnssecPolicy, ZoneSpec
from zonegen.names import normalize
from zonegen.records import apex_records

# How long after a DNSSEC change a racing PowerDNS thread may still be caching what it read
# before the change (see settle_dnssec): it caches right after reading, unless the kernel
# runs something else in between, which on a loaded machine lasts tens of milliseconds.
DNSSEC_SETTLE_SECONDS = 0.5
# a metadata kind PyRar never sets: deleting it changes nothing but PowerDNS's metadata cache
RELOAD_METADATA = "X-PYRAR-RELOAD"
# Signatures are renewed weekly, and a secondary only transfers a zone whose serial moved: a
# quiet zone would be served there with signatures until they expire. INCEPTION-EPOCH makes
# the served serial at least the start of the current signature week (PowerDNS's inception);
# stored serials are kept near the current time (SQL writes: PdnsDb.bump_serial; API edits:
# SOA-EDIT-INCREASE, max(old + 1, start of week)), so each new week moves the served serial.
SOA_EDIT = {"soa_edit": "INCEPTION-EPOCH", "soa_edit_api": "SOA-EDIT-INCREASE"}


def signature_week_start(now: float) -> int:
    """PowerDNS's getStartOfWeek(): the served serial under INCEPTION-EPOCH is at least it."""
    return int(now) - int(now) % (7 * 86400)





@dataclass(frozen=True)
class ZoneKey:
    id: int
    keytype: str            # ksk, zsk or csk
    flags: int
    algorithm: str
    active: bool
    published: bool
    dnskey: str             # "257 3 13 base64..."
    ds: tuple[str, ...]     # DS contents for the parent (KSK/CSK only)


@dataclass(frozen=True)
class ParentRecords:
    """What the parent zone (or the root zone manager) needs: DS and DNSKEY of the KSK(s)."""

    zone: str
    ds: tuple[str, ...]
    dnskey: tuple[str, ...]

    def text(self) -> str:
        lines = [f"{self.zone} IN DS {ds}" for ds in self.ds]
        lines += [f"{self.zone} IN DNSKEY {k}" for k in self.dnskey]
        return "\n".join(lines) + "\n"


def _rrset(name: str, rtype: str, ttl: int, contents: list[str]) -> dict:
    return {"name": name, "type": rtype, "ttl": ttl, "changetype": "REPLACE",
            "records": [{"content": c, "disabled": False} for c in contents]}


def _absolute_content(rtype: str, content: str) -> str:
    # the API wants absolute names in NS/SOA contents; the database stores them without dot
    if rtype == "NS":
        return content + "."
    if rtype == "SOA":
        parts = content.split()
        return " ".join([parts[0] + ".", parts[1] + ".", *parts[2:]])
    return content


def initial_rrsets(spec: ZoneSpec) -> list[dict]:
    grouped: dict[tuple[str, str, int], list[str]] = {}
    for r in apex_records(spec):
        grouped.setdefault((r.name, r.type, r.ttl), []).append(_absolute_content(r.type,
                                                                                r.content))
    # the serial starts at the current time, above the signature week's start: the first
    # change then moves the served serial too (see SOA_EDIT)
    out = [_rrset(spec.name, "SOA", spec.soa_ttl,
                  [_absolute_content("SOA", spec.soa_content(int(time.time())))])]
    out += [_rrset(n, t, ttl, c) for (n, t, ttl), c in grouped.items()]
    return out


def ensure_zone(api: PowerDnsApi, spec: ZoneSpec, catalog: str | None = None,
                settle: float = DNSSEC_SETTLE_SECONDS) -> bool:
    """Create the zone if missing and bring keys/NSEC3/catalog in line; True if created.

    Keys are only ever added here: removing the keys of a TLD would break its chain of trust
    (its DS is in the root), so that is a deliberate, separate step. After a change to keys
    or NSEC3 parameters it waits ``settle`` seconds (see settle_dnssec) before returning.
    """
    zone = spec.name
    created = False
    dnssec_changed = False
    current = api.zone(zone, rrsets=False)
    if current is None:
        api.create_zone({
            "name": zone, "kind": "Master", **SOA_EDIT, "api_rectify": True,
            "nameservers": [], "rrsets": initial_rrsets(spec),
            "catalog": normalize(catalog) if catalog and spec.catalog else "",
        })
        created = True
        current = api.zone(zone, rrsets=False) or {}
    policy = spec.dnssec
    if policy.enabled:
        keys = zone_keys(api, zone)
        if not any(k.active for k in keys):
            add_keys(api, zone, policy)
            dnssec_changed = True
    changes: dict = {}
    want_param = policy.nsec3param if policy.nsec3 else ""
    if policy.enabled and (current.get("nsec3param") or "") != want_param:
        changes.update(nsec3param=want_param, nsec3narrow=False)
        dnssec_changed = True
    changes.update({k: v for k, v in SOA_EDIT.items() if (current.get(k) or "") != v})
    want_catalog = normalize(catalog) if catalog and spec.catalog else ""
    if (current.get("catalog") or "") != want_catalog:
        changes["catalog"] = want_catalog
    if changes:
        api.update_zone(zone, changes)
    if created:
        api.rectify(zone)
    if current.get("api_rectify", True) or created:
        # records of TLD zones are written by SQL with their own ordername/auth; a PATCH
        # through the API must not trigger a zone-wide rectify
        api.update_zone(zone, {"api_rectify": False})
    if dnssec_changed:
        settle_dnssec(api, zone, settle)
    return created


def settle_dnssec(api: PowerDnsApi, zone: str, delay: float = DNSSEC_SETTLE_SECONDS) -> None:
    """Make PowerDNS forget keys and metadata that it cached while they were being changed.

    PowerDNS empties its key and metadata caches for a zone just *before* it writes a change
    (DNSSECKeeper::clearCaches). A query that read the old values from the database at that
    moment caches them again, keys for 30 s and metadata for 60 s: a new TLD was then
    answered with NSEC records built from NSEC3 hashes, bogus, for 40-65 s (seen in CI, and
    reproduced under load). After ``delay``, once such reads are long finished, PowerDNS
    4.7 is made to reload both, changing nothing: listing the keys through the API reads
    them from the database and caches what it read, and deleting a metadata kind that does
    not exist empties the metadata cache. The packet cache goes too.
    """
    time.sleep(delay)
    api.cryptokeys(zone)        # read for its side effect: PowerDNS re-caches the stored keys
    api.delete_metadata(zone, RELOAD_METADATA)
    api.flush_cache(zone)


def add_keys(api: PowerDnsApi, zone: str, policy: DnssecPolicy) -> None:
    """The policy's keys, active and published: a CSK, or a KSK and a ZSK."""
    kinds = ["csk"] if policy.keys == "csk" else ["ksk", "zsk"]
    for keytype in kinds:
        body = {"keytype": keytype, "active": True, "published": True,
                "algorithm": policy.algorithm.upper()}
        if policy.key_bits:
            body["bits"] = policy.key_bits
        api.add_cryptokey(zone, body)


def zone_keys(api: PowerDnsApi, zone: str) -> list[ZoneKey]:
    out = []
    for k in api.cryptokeys(zone):
        out.append(ZoneKey(int(k["id"]), k.get("keytype", ""), int(k.get("flags", 0)),
                           k.get("algorithm", ""), bool(k.get("active")),
                           bool(k.get("published", True)), k.get("dnskey", ""),
                           tuple(k.get("ds", []))))
    return out


def parent_records(api: PowerDnsApi, zone: str, digest_types: tuple[int, ...] = (2,)
                   ) -> ParentRecords:
    """DS (SHA-256 by default) and DNSKEY of the zone's active key-signing keys."""
    zone = normalize(zone)
    ds: list[str] = []
    dnskey: list[str] = []
    for k in zone_keys(api, zone):
        if not k.active or not k.published or k.flags != 257:
            continue
        dnskey.append(k.dnskey)
        ds += [d for d in k.ds if int(d.split()[2]) in digest_types]
    return ParentRecords(zone, tuple(ds), tuple(dnskey))


def delete_zone(api: PowerDnsApi, zone: str) -> None:
    api.delete_zone(zone)


