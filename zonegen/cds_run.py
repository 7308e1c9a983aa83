"""The CDS/CDNSKEY scan as zonegen runs it: every delegation of a TLD (unsigned ones only
when RFC 9615 bootstrap is possible: ``outside_resolver`` and trust anchors), its name
servers asked at their glue addresses or through ``[powerdns] outside_resolver``
(``zonegen.outside``; never the system's resolver), requests applied through the core
(``registry.cds``) once stable for ``cds_hold_down`` seconds, the hold-down kept in the
registry's database (``CoreHoldDown``) so that a restart does not start it again.
``ZonegenService`` runs it every ``cds_interval`` seconds (0: never); ``pyrar zone cds-scan``
runs it once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from registry.cds import CdsChange, apply_cds, drop_request, note_request, pending_requests
from registry.flows.context import Actor
from registry.service import Registry
from registry.values import DsData
from zonegen.cds_bootstrap import SignalCheck
from zonegen.cds_scan import Bootstrap, CdsRefusal, CdsRequest, CdsScanner, glue_addresses
from zonegen.config import PowerDnsSettings
from zonegen.dnssec_chain import Insecure, read_trust_anchors
from zonegen.outside import OutsideDns
from zonegen.state import DesiredState

log = logging.getLogger("pyrar.zonegen.cds")


@dataclass
class CdsReport:
    zone: str
    changes: list[CdsChange]
    refusals: list[CdsRefusal]


@dataclass
class CoreHoldDown:
    """The scanner's memory in the registry's database (``registry.cds``), times as the
    scanner's clock gives them (seconds since the epoch)."""

    registry: Registry

    def load(self) -> dict[str, tuple[tuple[str, ...], float]]:
        pending = self.registry.read(pending_requests)
        return {name + ".": (key, since.timestamp()) for name, (key, since) in pending.items()}

    def remember(self, domain: str, key: tuple[str, ...], since: float) -> None:
        when = datetime.fromtimestamp(since, UTC)
        self.registry.run(lambda ctx: note_request(ctx, domain, key, when), Actor.system(),
                          "cds_pending")

    def forget(self, domain: str) -> None:
        self.registry.run(lambda ctx: drop_request(ctx, domain), Actor.system(),
                          "cds_pending")


class CdsRun:
    def __init__(self, settings: PowerDnsSettings, state: DesiredState, registry: Registry,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.state = state
        self.registry = registry
        self.scanner = CdsScanner(hold_down=settings.cds_hold_down, clock=clock,
                                  store=CoreHoldDown(registry))
        self.outside = OutsideDns.from_settings(settings)

    def apply(self, request: CdsRequest) -> CdsChange:
        ds = tuple(DsData(d.key_tag, d.algorithm, d.digest_type, d.digest.upper())
                   for d in request.ds)
        change = self.registry.run(lambda ctx: apply_cds(ctx, request.domain, ds),
                                   Actor.system(), "cds_apply")
        log.info("CDS of %s: %s", request.domain, change.outcome)
        return change

    def bootstrap(self) -> Bootstrap | None:
        """This scan's RFC 9615 check, or None when bootstrap cannot be done (switched off,
        no resolver, no readable trust anchors: said once in the log)."""
        if not self.settings.cds_bootstrap or self.outside.resolver is None:
            return None
        try:
            anchors = read_trust_anchors(self.settings.trust_anchors)
        except Insecure as e:
            log.warning("CDS bootstrap (RFC 9615) off: %s", e)
            return None
        return SignalCheck.create(self.outside.lookup, anchors).refusal

    def scan(self, zone: str, apply: bool = True) -> CdsReport:
        """One scan of the TLD's delegations; ``apply=False`` applies nothing (and a
        request then counts as stable at once: a report of what the children ask)."""
        bootstrap = self.bootstrap()
        delegations = (d for d in self.state.delegations(zone)
                       if d.ds or bootstrap is not None)
        requests: list[CdsRequest] = []
        scanner = self.scanner if apply else CdsScanner(hold_down=0)
        changes, refusals = scanner.scan(
            delegations,
            lambda d: glue_addresses(d, self.outside.addresses, self.outside.allowed),
            self.outside.query, self.apply if apply else requests.append, bootstrap)
        if not apply:
            changes = [CdsChange(r.domain.rstrip("."), "requested",
                                 tuple(DsData(d.key_tag, d.algorithm, d.digest_type,
                                              d.digest) for d in r.ds)) for r in requests]
        return CdsReport(zone, changes, refusals)

    def scan_all(self) -> list[CdsReport]:
        """Every TLD zonegen publishes."""
        from sqlalchemy import select

        from registry.models import Tld

        off = {t.strip().rstrip(".").lower() for t in self.settings.cds_off_tlds}
        names = self.registry.read(lambda s: list(s.scalars(select(Tld.name))))
        return [self.scan(n + ".") for n in names
                if n not in off and self.state.zone_spec(n + ".")]
