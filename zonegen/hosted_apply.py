"""The ``hosted`` events consumer: hosted zones made what the registrar site asked for.

Each ``hosted.apply`` event holds a zone's whole wanted state (records, signed or not, or
removed) and its revision (registrar/hosted_dns.py). Applying it is idempotent: the revision
applied last is kept in the zone's metadata, and an event that is not newer changes nothing,
so a redelivery after a crash, or an old event arriving late, is harmless. Signing and
unsigning go through ``HostedSigning``, whose steps wait on every server and on TTLs; where
each zone stands is reported into the core (``registry.hosted_status``) after every change
and every scheduler round, since the site cannot look into PowerDNS.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from registry.errors import EppError
from registry.events.delivery import Batch
from registry.flows.context import Actor
from registry.hosted_records import RRset, RRsetError, normalize_rrset
from registry.hosted_status import (
    HostedStatus,
    forget_status,
    record_status,
    zones_in_transition,
)
from registry.service import Registry
from zonegen.api import PowerDnsApiError
from zonegen.hosted import HostedZones
from zonegen.hosted_signing import HostedSigning
from zonegen.names import normalize

log = logging.getLogger("pyrar.zonegen.hosted_apply")

REVISION_META = "X-PYRAR-REVISION"


class HostedApply:
    def __init__(self, hosted: HostedZones, signing: HostedSigning, registry: Registry
                 ) -> None:
        self.hosted = hosted
        self.signing = signing
        self.registry = registry
        self.actor = Actor.system()

    def handle(self, batch: Batch) -> None:
        """The consumer's handler. PowerDNS unreachable or failing (5xx) is an outage:
        raised, so the same events come again; a state PowerDNS or the core refuses is
        recorded as the zone's error (the user's next change may fix it) and acknowledged."""
        for delivery in batch.deliveries:
            payload = delivery.payload
            try:
                self.apply(payload)
            except PowerDnsApiError as e:
                if e.status == 0 or e.status >= 500:
                    raise
                self._failed(payload, e.message)
            except (RRsetError, EppError) as e:
                self._failed(payload, getattr(e, "reason", None) or str(e))
            batch.ack([delivery.id])

    def apply(self, payload: dict) -> None:
        zone = normalize(payload["zone"])
        revision = int(payload["revision"])
        exists = self.hosted.api.zone(zone, rrsets=False) is not None
        if exists and self.applied_revision(zone) >= revision:
            return
        if payload["remove"]:
            if exists:
                self.hosted.delete(zone)
            self.registry.run(lambda ctx: forget_status(ctx.session, zone), self.actor,
                              "hosted_status")
            log.info("hosted zone %s removed", zone)
            return
        records = [RRset(r["name"], r["type"], int(r["ttl"]), tuple(r["contents"]))
                   for r in payload["records"]]
        if not exists:
            self.hosted.create(zone, payload["nameservers"], rrsets=records)
        else:
            self._replace(zone, records)
        self._sign_as_asked(zone, bool(payload["signed"]))
        self.hosted.api.set_metadata(zone, REVISION_META, [str(revision)])
        self.report([zone])

    def applied_revision(self, zone: str) -> int:
        values = self.hosted.api.metadata(zone, REVISION_META)
        return int(values[0]) if values else 0

    def report(self, zones: Iterable[str]) -> None:
        """Where each zone stands, into the core."""
        statuses = [self.status(normalize(z)) for z in zones]

        def work(ctx):
            for status in statuses:
                record_status(ctx.session, status, ctx.now)
        self.registry.run(work, self.actor, "hosted_status")

    def report_transitions(self) -> None:
        """For the scheduler, after it advanced pending steps: zones being signed or
        unsigned, as they stand now."""
        zones = self.registry.read(zones_in_transition)
        present = [z for z in zones if self.hosted.api.zone(normalize(z), rrsets=False)]
        if present:
            self.report(present)

    def status(self, zone: str) -> HostedStatus:
        revision = self.applied_revision(zone)
        sign, unsign = self.hosted.sign_state(zone), self.hosted.unsign_state(zone)
        if sign is not None:
            return HostedStatus(zone, revision, "signing", sign.step, _at(sign.ds_allowed_at))
        if unsign is not None:
            return HostedStatus(zone, revision, "unsigning", unsign.step,
                                _at(unsign.keys_removable_at))
        return HostedStatus(zone, revision, "signed" if self.hosted.is_signed(zone)
                            else "unsigned")

    def _replace(self, zone: str, records: list[RRset]) -> None:
        wanted = {normalize_rrset(zone, r).key for r in records}
        stale = [r.key for r in self.hosted.rrsets(zone)
                 if r.key not in wanted and not (r.name == zone and r.type == "NS")]
        self.hosted.edit(zone, replace=records, delete=stale)

    def _sign_as_asked(self, zone: str, signed: bool) -> None:
        is_signed = self.hosted.is_signed(zone) and self.hosted.unsign_state(zone) is None
        if signed and not is_signed:
            self.signing.sign(zone)
        elif not signed and is_signed:
            self.signing.unsign(zone)

    def _failed(self, payload: dict, reason: str) -> None:
        zone = normalize(payload["zone"])
        log.warning("hosted zone %s, revision %s, not applied: %s", zone,
                    payload.get("revision"), reason)
        exists = self.hosted.api.zone(zone, rrsets=False) is not None
        status = self.status(zone) if exists else HostedStatus(zone, 0, "unsigned")
        failed = HostedStatus(status.zone, status.revision, status.dnssec, status.step,
                              status.next_step_at, reason[:1000])
        self.registry.run(lambda ctx: record_status(ctx.session, failed, ctx.now),
                          self.actor, "hosted_status")


def _at(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)

