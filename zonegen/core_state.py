"""The registry core as zonegen's desired state (zonegen.state.DesiredState).

Names cross here: the core stores them without the trailing dot, zonegen uses absolute
names. Every read goes through the registry (``Registry.read``), which owns the
transactions: each in one read-only snapshot of its own, so a full sync of a large TLD reads
page by page and never holds the database (SQLite's single writer lock, in particular) for
long. The events zonegen consumes come from ``registry.events.store.RegistryEvents``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator

from registry import dns_view
from registry.service import Registry
from zonegen.model import Delegation, DsRecord, ZoneDataError, ZoneSpec
from zonegen.state import OwnerDelegations

log = logging.getLogger("pyrar.zonegen.core_state")


def _relative(name: str) -> str:
    return name.strip().rstrip(".").lower()


class CoreState:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def zone_spec(self, zone: str) -> ZoneSpec | None:
        name = _relative(zone)
        settings = self.registry.read(lambda s: dns_view.tld_dns_settings(s, name))
        if not settings or not settings.get("nameservers"):
            return None  # a TLD without name servers configured is not published yet
        try:
            return ZoneSpec.from_dict(name + ".", settings)
        except ZoneDataError as e:
            log.error("TLD %s: DNS settings unusable, not published: %s", name, e)
            return None

    def delegation(self, zone: str, owner: str) -> Delegation | None:
        """Raises ZoneDataError when the core's data cannot be published (the drainer
        counts that against the event, which ends dead-lettered if it stays so)."""
        name = _relative(owner) + "."
        return self.delegations_of(zone, [name]).get(name)

    def delegations_of(self, zone: str, owners: Collection[str]) -> OwnerDelegations:
        """One read-only snapshot for them all (dns_view.delegations_named)."""
        names = {_relative(o) for o in owners}
        datas = self.registry.read(lambda s: dns_view.delegations_named(s, names),
                                   snapshot=True) if names else {}
        found: dict[str, Delegation] = {}
        unpublishable: dict[str, str] = {}
        for name, data in datas.items():
            try:
                found[name + "."] = _convert(data)
            except ZoneDataError as e:
                unpublishable[name + "."] = str(e)
        return OwnerDelegations(found, unpublishable)

    def delegations(self, zone: str) -> Iterator[Delegation]:
        name, after = _relative(zone), ""
        while after is not None:
            page = self.registry.read(
                lambda s, a=after: dns_view.delegations(s, name, after=a), snapshot=True)
            for data in page.delegations:
                try:
                    yield _convert(data)
                except ZoneDataError as e:  # reported and left out; the rest is published
                    log.error("delegation of %s not published: %s", data.name, e)
            after = page.next_after


def _convert(data: dns_view.DelegationData) -> Delegation:
    """The zone's model re-checks everything (ZoneDataError)."""
    return Delegation(
        data.name + ".", tuple(h + "." for h in data.nameservers),
        tuple((h + ".", a) for h, a in data.glue),
        tuple(DsRecord(d.key_tag, d.algorithm, d.digest_type, d.digest) for d in data.ds))
