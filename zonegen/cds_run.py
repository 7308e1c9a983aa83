"""The CDS/CDNSKEY scan as zonegen runs it: every delegation with a DS of a TLD, its name
servers asked at their glue addresses or through ``[powerdns] outside_resolver``
(``zonegen.outside``; never the system's resolver), requests
applied through the core (``registry.cds``) once stable for ``cds_hold_down`` seconds.
``ZonegenService`` runs it every ``cds_interval`` seconds (0: never); ``pyrar zone cds-scan``
runs it once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from registry.cds import CdsChange, apply_cds
from registry.flows.context import Actor
from registry.service import Registry
from registry.values import DsData
from zonegen.cds_scan import CdsRefusal, CdsRequest, CdsScanner, glue_addresses
from zonegen.config import PowerDnsSettings
from zonegen.outside import OutsideDns
from zonegen.state import DesiredState

log = logging.getLogger("pyrar.zonegen.cds")


@dataclass
class CdsReport:
    zone: str
    changes: list[CdsChange]
    refusals: list[CdsRefusal]


class CdsRun:
    def __init__(self, settings: PowerDnsSettings, state: DesiredState, registry: Registry,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.state = state
        self.registry = registry
        self.scanner = CdsScanner(hold_down=settings.cds_hold_down, clock=clock)
        self.outside = OutsideDns.from_settings(settings)

    def apply(self, request: CdsRequest) -> CdsChange:
        ds = tuple(DsData(d.key_tag, d.algorithm, d.digest_type, d.digest.upper())
                   for d in request.ds)
        change = self.registry.run(lambda ctx: apply_cds(ctx, request.domain, ds),
                                   Actor.system(), "cds_apply")
        log.info("CDS of %s: %s", request.domain, change.outcome)
        return change

    def scan(self, zone: str, apply: bool = True) -> CdsReport:
        """One scan of the TLD's signed delegations; ``apply=False`` applies nothing (and
        a request then counts as stable at once: a report of what the children ask)."""
        signed = (d for d in self.state.delegations(zone) if d.ds)
        requests: list[CdsRequest] = []
        scanner = self.scanner if apply else CdsScanner(hold_down=0)
        changes, refusals = scanner.scan(
            signed, lambda d: glue_addresses(d, self.outside.addresses), self.outside.query,
            self.apply if apply else requests.append)
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
