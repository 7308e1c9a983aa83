"""Signing and unsigning hosted zones with the parent's DS kept right through the core.

``HostedZones`` holds the keys (PowerDNS); the DS of a hosted zone that is one of our domains
goes into the registry with a DomainUpdate (``registry.hosted_dnssec``), so history, statuses
and the DNS events apply, and zonegen publishes it in the TLD like any change. Signing puts
the DS there only once every server of ours (``zonegen.served``) answers the keys and the
zone's longest TTL has passed; unsigning takes the DS out first, and the keys go once no
server of the parent serves it and its TTL has passed (``run_scheduled``, clock injected).

This is the API the web UI calls; ``ZonegenService`` runs ``reconcile`` and ``run_scheduled``
periodically.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from registry.errors import EppError
from registry.flows.context import Actor
from registry.flows.lookup import find_domain
from registry.hosted_dnssec import (
    REFUSED,
    HostedDsChange,
    publish_hosted_ds,
    served_only_by,
    withdraw_hosted_ds,
)
from registry.service import Registry
from registry.values import DsData
from zonegen.core_state import CoreState
from zonegen.hosted import HostedZones, UnsignState
from zonegen.model import DnssecPolicy
from zonegen.names import normalize
from zonegen.served import OurServers
from zonegen.zones import ParentRecords, parent_records, zone_keys

log = logging.getLogger("pyrar.zonegen.hosted_signing")

# the DS TTL assumed for a parent that is not ours (most TLDs use at most a day)
FOREIGN_DS_TTL = 86400
PENDING = "pending"     # a sign outcome: the DS follows once every server has the keys


@dataclass(frozen=True)
class SignResult:
    parent: ParentRecords          # DS and DNSKEY of the zone's key-signing key(s)
    core: HostedDsChange           # what the registry did with the DS


class HostedSigning:
    def __init__(self, hosted: HostedZones, registry: Registry, nameservers: Iterable[str],
                 servers: OurServers, *, actor: Actor | None = None) -> None:
        self.hosted = hosted
        self.registry = registry
        self.nameservers = tuple(normalize(n) for n in nameservers)
        if not self.nameservers:
            raise ValueError("the hosting name servers are needed to tell which domains "
                             "only we serve")
        self.servers = servers
        # the last outcome of putting a zone's DS into the registry (``status``)
        self.ds_changes: dict[str, HostedDsChange] = {}
        self.actor = actor or Actor.system()
        self._state = CoreState(registry)

    # -- the API -------------------------------------------------------------------------
    def sign(self, zone: str, policy: DnssecPolicy | None = None) -> SignResult:
        """Sign the zone (or keep it signed, cancelling a pending unsign). A zone signed now
        gets its DS later (``core.outcome == "pending"``: ``run_scheduled`` puts it in the
        parent once it is safe); an already signed one at once, if the domain is ours and
        served only by us. The zone stays signed when the registry refuses the DS
        (``"refused"``, ``core.reason``): an insecure delegation to a signed zone is valid,
        and ``reconcile`` tries again."""
        parent = self.hosted.sign(zone, policy)
        if self.hosted.sign_state(zone) is not None:
            return SignResult(parent, HostedDsChange(normalize(zone).rstrip("."), PENDING))
        return SignResult(parent, self._publish_refusable(zone, parent))

    def _publish_refusable(self, zone: str, parent: ParentRecords) -> HostedDsChange:
        try:
            change = self._publish(zone, parent)
        except EppError as e:
            change = HostedDsChange(normalize(zone).rstrip("."), REFUSED, reason=e.reason)
        self.ds_changes[normalize(zone)] = change
        return change

    def publish_ds(self, zone: str) -> HostedDsChange:
        """The DS of a signed zone into the registry (after the registrar moved the domain
        to our name servers, say). Nothing for a zone being signed or unsigned."""
        zone = normalize(zone)
        if not self.hosted.ds_allowed(zone):
            return HostedDsChange(zone.rstrip("."), "unchanged")
        return self._publish(zone, parent_records(self.hosted.api, zone))

    def unsign(self, zone: str) -> UnsignState:
        """Step one of unsigning: the registry drops the DS (an error there leaves the zone
        signed and nothing pending); ``run_scheduled`` removes the keys later."""
        zone = normalize(zone)
        ours = _ds_values(parent_records(self.hosted.api, zone).ds)
        return self.hosted.begin_unsign(
            zone, self.parent_ds_ttl(zone),
            lambda z: self._in_core(withdraw_hosted_ds, z, ours, "hosted_ds_withdraw"))

    def run_scheduled(self, zones: Iterable[str] | None = None) -> list[str]:
        """Advance pending signs (the DS into the registry once safe) and unsigns; returns
        the zones whose keys were removed now."""
        return self.hosted.run_scheduled(
            self.servers.ds_visible, zones, keys_served=self.keys_served,
            publish_ds=lambda z: self._publish_refusable(
                z, parent_records(self.hosted.api, z)))

    def keys_served(self, zone: str) -> bool:
        keys = [k.dnskey for k in zone_keys(self.hosted.api, zone) if k.published]
        return bool(keys) and self.servers.keys_served(zone, keys)

    def reconcile(self, zones: Iterable[str] | None = None) -> list[HostedDsChange]:
        """Signed zones whose domain moved to our name servers get their DS; those moved
        away lose ours. Failures are logged and left for the next round."""
        changes = []
        # the zone list says which zones have keys: unsigned ones cost no further call
        names = zones if zones is not None else [
            z["name"] for z in self.hosted.api.zones() if z.get("dnssec", True)]
        for zone in names:
            if self._state.zone_spec(zone) is not None:
                continue                                   # a TLD, not a hosted zone
            try:
                change = self.publish_ds(zone)
                if change.outcome == "elsewhere":
                    change = self._in_core(withdraw_hosted_ds, zone, _ds_values(
                        parent_records(self.hosted.api, zone).ds), "hosted_ds_withdraw")
            except EppError as e:
                log.warning("hosted zone %s: DS not reconciled: %s", zone, e.reason)
                continue
            if change.outcome == "updated":
                changes.append(change)
        return changes

    def served_only_by_us(self, zone: str) -> bool | None:
        """None when the zone is not a domain of this registry."""
        def work(ctx):
            domain = find_domain(ctx, normalize(zone).rstrip("."), lock=False)
            return None if domain is None else served_only_by(domain, self.nameservers)
        return self.registry.run(work, self.actor, "hosted_ds_check")

    def parent_ds_ttl(self, zone: str) -> int:
        """The DS TTL of the zone's parent: our TLD's setting, else FOREIGN_DS_TTL."""
        labels = normalize(zone).split(".")
        for i in range(1, len(labels) - 1):
            spec = self._state.zone_spec(".".join(labels[i:]))
            if spec is not None:
                return spec.ds_ttl
        return FOREIGN_DS_TTL

    # -- helpers -------------------------------------------------------------------------
    def _publish(self, zone: str, parent: ParentRecords) -> HostedDsChange:
        return self._in_core(publish_hosted_ds, zone, _ds_values(parent.ds), "hosted_ds_publish")

    def _in_core(self, change: Callable[..., HostedDsChange], zone: str,
                 ds: tuple[DsData, ...], command: str) -> HostedDsChange:
        result = self.registry.run(lambda ctx: change(ctx, zone, self.nameservers, ds),
                                   self.actor, command)
        if result.outcome == "updated":
            log.info("hosted zone %s: DS in the registry now %s", zone,
                     [f"{d.key_tag}/{d.algorithm}/{d.digest_type}" for d in result.ds])
        return result


def _ds_values(texts: Iterable[str]) -> tuple[DsData, ...]:
    out = []
    for text in texts:
        tag, algorithm, digest_type, digest = text.split(None, 3)
        out.append(DsData(int(tag), int(algorithm), int(digest_type),
                          "".join(digest.split()).upper()))
    return tuple(out)
