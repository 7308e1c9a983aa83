"""Hosted client zones: create, edit RRsets (validated), sign and unsign safely.

Client zones are small, so they go through the API with api_rectify on (~50 ms per change).
Both DNSSEC transitions follow RFC 6781 section 4.1.4 / RFC 7583, paced by what every server
actually answers, never by the primary alone:

* signing: keys and signatures are published first; the DS may reach the parent only once
  the DNSKEY set is served by the primary and every configured secondary, and the longest
  TTL of the zone (unsigned answers cached before, the SOA's negative-caching TTL) has
  passed since. Before that a validator could meet a DS with unsigned answers: bogus.
* unsigning: the DS leaves the parent first (the core removes it, which reaches the TLD
  through the outbox); the keys go only once no server of the parent serves the DS any more
  and the DS TTL has passed since, so no cached DS can meet an unsigned zone.

The pending step lives in the zone's own metadata (``X-PYRAR-SIGN``, ``X-PYRAR-UNSIGN``), so
it survives restarts; ``run_scheduled`` advances it, with the clock injected.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from registry.hosted_records import RRset, RRsetError, check_zone, normalize_rrset
from zonegen.api import PowerDnsApi
from zonegen.model import DnssecPolicy
from zonegen.names import normalize
from zonegen.zones import (
    SOA_EDIT,
    ParentRecords,
    add_keys,
    parent_records,
    settle_dnssec,
    zone_keys,
)

# NSEC: a hosted zone is small and its names are no secret worth NSEC3's cost; RFC 9276
# discourages NSEC3 opt-out for such zones
HOSTED_POLICY = DnssecPolicy(denial="nsec")
SIGN_META = "X-PYRAR-SIGN"
# PowerDNS publishes CDS (SHA-256 digests) and CDNSKEY for active KSKs with these
CDS_PUBLICATION = {"PUBLISH-CDS": "2", "PUBLISH-CDNSKEY": "1"}
UNSIGN_META = "X-PYRAR-UNSIGN"
MANAGED_TYPES = {"SOA", "DNSKEY", "RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "CDS", "CDNSKEY"}


@dataclass(frozen=True)
class SignState:
    """``keys-published``: waiting for every server to answer the DNSKEY set;
    ``keys-served``: waiting ``hold`` seconds (the zone's longest TTL) since ``since``,
    then the DS may go to the parent."""

    zone: str
    step: str
    since: float
    hold: int

    def encode(self) -> str:
        return f"{self.step} {self.since:.0f} {self.hold}"

    @classmethod
    def decode(cls, zone: str, text: str) -> SignState:
        step, since, hold = text.split()
        return cls(zone, step, float(since), int(hold))

    @property
    def ds_allowed_at(self) -> float | None:
        return self.since + self.hold if self.step == "keys-served" else None


@dataclass(frozen=True)
class UnsignState:
    """``requested``: waiting for the parent to stop serving the DS; ``ds-gone``: waiting
    for the DS TTL to pass since ``since``."""

    zone: str
    step: str
    since: float
    ds_ttl: int

    def encode(self) -> str:
        return f"{self.step} {self.since:.0f} {self.ds_ttl}"

    @classmethod
    def decode(cls, zone: str, text: str) -> UnsignState:
        step, since, ttl = text.split()
        return cls(zone, step, float(since), int(ttl))

    @property
    def keys_removable_at(self) -> float | None:
        return self.since + self.ds_ttl if self.step == "ds-gone" else None


class HostedZones:
    def __init__(self, api: PowerDnsApi, catalog: str | None = None,
                 clock: Callable[[], float] = time.time, hold_down: int = -1) -> None:
        """``hold_down``: seconds between every server answering a new zone's keys and
        its DS; negative: the zone's longest TTL ([powerdns] hosted_hold_down)."""
        self.api = api
        self.catalog = normalize(catalog) if catalog else ""
        self.clock = clock
        self.hold_down = hold_down

    # -- zones ---------------------------------------------------------------------------
    def create(self, zone: str, nameservers: Iterable[str], hostmaster: str | None = None,
               rrsets: Iterable[RRset] = (), ttl: int = 3600) -> None:
        zone = normalize(zone)
        ns = [normalize(n) for n in nameservers]
        apex_ns = RRset(zone, "NS", ttl, tuple(ns))
        wanted = [normalize_rrset(zone, r) for r in [apex_ns, *rrsets]]
        check_zone(zone, wanted)
        rname = normalize(hostmaster or f"hostmaster.{zone}")
        # the serial starts at PowerDNS's clock, not the injected one: see zones.SOA_EDIT
        soa = f"{ns[0]} {rname} {int(time.time())} 10800 3600 604800 3600"
        self.api.create_zone({
            "name": zone, "kind": "Master", **SOA_EDIT, "api_rectify": True,
            "nameservers": [], "catalog": self.catalog,
            "rrsets": [_rrset_json(RRset(zone, "SOA", ttl, (soa,)))]
            + [_rrset_json(r) for r in wanted],
        })

    def delete(self, zone: str) -> None:
        self.api.delete_zone(zone)

    def rrsets(self, zone: str) -> list[RRset]:
        data = self.api.zone(zone)
        if data is None:
            raise RRsetError(f"no hosted zone {zone}")
        out = []
        for r in data.get("rrsets", []):
            if r["type"] in MANAGED_TYPES:
                continue
            out.append(RRset(r["name"], r["type"], int(r["ttl"]),
                             tuple(sorted(x["content"] for x in r["records"]))))
        return sorted(out, key=lambda r: r.key)

    def edit(self, zone: str, replace: Iterable[RRset] = (),
             delete: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
        """Apply replacements and deletions after validating the resulting zone as a whole;
        one atomic PATCH. Returns the (name, type) keys that changed."""
        zone = normalize(zone)
        current = {r.key: _comparable(zone, r) for r in self.rrsets(zone)}
        new = dict(current)
        for name, rtype in delete:
            new.pop(_key(zone, name, rtype), None)
        for r in replace:
            n = normalize_rrset(zone, r)
            new[n.key] = n
        check_zone(zone, new.values())
        changes = [_rrset_json(r) for k, r in new.items() if current.get(k) != r]
        changes += [{"name": k[0], "type": k[1], "changetype": "DELETE"}
                    for k in current if k not in new]
        if changes:
            self.api.patch_rrsets(zone, changes)
        return sorted({(c["name"], c["type"]) for c in changes})

    # -- DNSSEC --------------------------------------------------------------------------
    def is_signed(self, zone: str) -> bool:
        return any(k.active for k in zone_keys(self.api, zone))

    def sign(self, zone: str, policy: DnssecPolicy | None = None) -> ParentRecords:
        """Sign (or keep signed, cancelling a pending unsign); returns the DS for the parent,
        which may be published only once ``ds_allowed`` says so (``run_scheduled``)."""
        zone = normalize(zone)
        policy = policy or HOSTED_POLICY
        if self.unsign_state(zone) is not None:
            self.api.delete_metadata(zone, UNSIGN_META)
        if not self.is_signed(zone):
            add_keys(self.api, zone, policy)
            # CDS/CDNSKEY (RFC 7344) for the key-signing keys: a parent that scans for them
            # (a registry not ours) can follow the keys without anyone copying a DS
            for kind, value in CDS_PUBLICATION.items():
                self.api.set_metadata(zone, kind, [value])
            if policy.nsec3:    # NSEC needs no setting: an unsigned zone has no NSEC3PARAM
                self.api.update_zone(zone, {"nsec3param": policy.nsec3param,
                                            "nsec3narrow": False})
            self.api.rectify(zone)
            # before the DS can reach the parent: keys, NSEC3 parameters and answers that
            # PowerDNS cached while signing began must not outlive it
            settle_dnssec(self.api, zone)
            self.bump_serial(zone)
            hold = self.longest_ttl(zone) if self.hold_down < 0 else self.hold_down
            state = SignState(zone, "keys-published", self.clock(), hold)
            self.api.set_metadata(zone, SIGN_META, [state.encode()])
        return parent_records(self.api, zone)

    def bump_serial(self, zone: str) -> None:
        """Move the serial, so that secondaries transfer the zone: adding or removing keys
        changes no record PowerDNS stores, hence no serial, and a secondary would keep the
        zone as it was. A PATCH holding the SOA gets SOA-EDIT-API applied to it."""
        data = self.api.zone(zone) or {}
        soa = next(r for r in data.get("rrsets", []) if r["type"] == "SOA")
        self.api.patch_rrsets(zone, [{
            "name": soa["name"], "type": "SOA", "ttl": soa["ttl"], "changetype": "REPLACE",
            "records": [{"content": r["content"], "disabled": False} for r in soa["records"]]}])

    def longest_ttl(self, zone: str) -> int:
        """How long a resolver may keep an answer of the zone: its largest TTL, the SOA's
        negative-caching TTL (its minimum field) included."""
        data = self.api.zone(zone) or {}
        ttls = [0]
        for r in data.get("rrsets", []):
            ttls.append(int(r["ttl"]))
            if r["type"] == "SOA" and r["records"]:
                ttls.append(int(r["records"][0]["content"].split()[6]))
        return max(ttls)

    def sign_state(self, zone: str) -> SignState | None:
        values = self.api.metadata(zone, SIGN_META)
        return SignState.decode(normalize(zone), values[0]) if values else None

    def ds_allowed(self, zone: str) -> bool:
        """Whether the zone is signed and no step of signing is pending."""
        return self.is_signed(zone) and self.sign_state(zone) is None \
            and self.unsign_state(zone) is None

    def unsign_state(self, zone: str) -> UnsignState | None:
        values = self.api.metadata(zone, UNSIGN_META)
        return UnsignState.decode(normalize(zone), values[0]) if values else None

    def begin_unsign(self, zone: str, ds_ttl: int,
                     remove_parent_ds: Callable[[str], None]) -> UnsignState:
        """Step 1: the core removes the DS at the parent (its own transaction + outbox);
        only once that succeeded is the pending removal of the keys recorded."""
        zone = normalize(zone)
        if not self.is_signed(zone):
            raise RRsetError(f"{zone} is not signed")
        remove_parent_ds(zone)
        if self.sign_state(zone) is not None:
            self.api.delete_metadata(zone, SIGN_META)
        state = UnsignState(zone, "requested", self.clock(), int(ds_ttl))
        self.api.set_metadata(zone, UNSIGN_META, [state.encode()])
        return state

    def confirm_ds_gone(self, zone: str) -> UnsignState:
        """The operator's word that the parent (not ours, nor askable) no longer serves
        the DS: the DS TTL starts counting now."""
        state = self.unsign_state(zone)
        if state is None:
            raise RRsetError(f"{normalize(zone)} is not being unsigned")
        if state.step == "requested":
            state = UnsignState(state.zone, "ds-gone", self.clock(), state.ds_ttl)
            self.api.set_metadata(state.zone, UNSIGN_META, [state.encode()])
        return state

    def run_scheduled(self, parent_ds_visible: Callable[[str], bool | None],
                      zones: Iterable[str] | None = None,
                      keys_served: Callable[[str], bool] = lambda zone: True,
                      publish_ds: Callable[[str], object] = lambda zone: None) -> list[str]:
        """Advance pending signs (``publish_ds`` once the DS is safe) and unsigns;
        returns the zones whose keys were removed now. ``parent_ds_visible`` answers None
        when it cannot tell (a parent not ours): the keys then stay."""
        done = []
        names = zones if zones is not None else [z["name"] for z in self.api.zones()]
        for zone in names:
            self._advance_sign(zone, keys_served, publish_ds)
            state = self.unsign_state(zone)
            if state is None:
                continue
            now = self.clock()
            if state.step == "requested":
                if parent_ds_visible(state.zone) is not False:
                    continue
                state = UnsignState(state.zone, "ds-gone", now, state.ds_ttl)
                self.api.set_metadata(state.zone, UNSIGN_META, [state.encode()])
            if now >= (state.keys_removable_at or float("inf")):
                self._remove_keys(state.zone)
                done.append(state.zone)
        return done

    def _advance_sign(self, zone: str, keys_served: Callable[[str], bool],
                      publish_ds: Callable[[str], object]) -> None:
        state = self.sign_state(zone)
        if state is None:
            return
        now = self.clock()
        if state.step == "keys-published":
            if not keys_served(state.zone):
                return
            # the TTL counts from when the last server began answering with the keys
            state = SignState(state.zone, "keys-served", now, state.hold)
            self.api.set_metadata(state.zone, SIGN_META, [state.encode()])
        if now >= (state.ds_allowed_at or float("inf")):
            self.api.delete_metadata(state.zone, SIGN_META)
            publish_ds(state.zone)

    def _remove_keys(self, zone: str) -> None:
        for key in zone_keys(self.api, zone):
            self.api.delete_cryptokey(zone, key.id)
        for kind in CDS_PUBLICATION:
            self.api.delete_metadata(zone, kind)
        if (self.api.zone(zone, rrsets=False) or {}).get("nsec3param"):
            self.api.update_zone(zone, {"nsec3param": ""})
        self.api.delete_metadata(zone, UNSIGN_META)
        self.api.rectify(zone)
        # else cached keys, DNSKEYs and signatures outlive the keys
        settle_dnssec(self.api, zone)
        self.bump_serial(zone)


def _comparable(zone: str, r: RRset) -> RRset:
    """PowerDNS's text of an existing RRset, in our canonical form where it parses."""
    try:
        return normalize_rrset(zone, r)
    except RRsetError:
        return r


def _key(zone: str, name: str, rtype: str) -> tuple[str, str]:
    raw = name.strip()
    full = zone if raw == "@" else normalize(raw if raw.endswith(".") else f"{raw}.{zone}")
    return (full, rtype.upper())


def _rrset_json(r: RRset) -> dict:
    return {"name": r.name, "type": r.type, "ttl": r.ttl, "changetype": "REPLACE",
            "records": [{"content": c, "disabled": False} for c in r.contents]}
