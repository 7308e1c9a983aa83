"""Child zones for the CDS scan tests: signed zones on the test's PowerDNS (loopback),
delegated from the core's TLD, and the scan run through the core."""

from __future__ import annotations

import dns.rdatatype
from sqlalchemy import select
from zonegen_core_world import CoreWorld, ds_text, ds_value

from registry.cds import POLL_KIND, apply_cds
from registry.flows.context import Actor
from registry.flows.domain_info import DomainInfoQuery
from registry.models import PollMessage
from registry.values import DsData
from zonegen.cds_scan import CdsScanner, glue_addresses
from zonegen.hosted import CDS_PUBLICATION, HostedZones
from zonegen.model import DnssecPolicy
from zonegen.zones import parent_records, zone_keys

CHILD_NS = "ns1.cds-provider.net"
HOLD = 3600.0


class Child:
    """A signed child zone on the test's PowerDNS, delegated from the core's TLD (with the
    DS of its key unless ``ds`` says otherwise). ``publish_cds``: PowerDNS publishes CDS and
    CDNSKEY for its KSKs; otherwise the test writes the CDS set itself."""

    def __init__(self, core: CoreWorld, label: str, ds: tuple[DsData, ...] | None = None,
                 ns: tuple[str, ...] = (CHILD_NS,), publish_cds: bool = False) -> None:
        self.core = core
        self.api = core.pdns.api()
        self.zone = f"{label}.{core.zone}"
        self.name = self.zone.rstrip(".")
        HostedZones(self.api).create(self.zone, [h + "." for h in ns])
        HostedZones(self.api).sign(self.zone, DnssecPolicy())
        if not publish_cds:
            for kind in CDS_PUBLICATION:
                self.api.delete_metadata(self.zone, kind)
        self.first_ds = parent_records(self.api, self.zone).ds[0]
        core.domain(label, ns=ns, ds=(ds_value(self.first_ds),) if ds is None else ds)

    def cds(self, *contents: str) -> None:
        self.api.patch_rrsets(self.zone, [{
            "name": self.zone, "type": "CDS", "ttl": 300, "changetype": "REPLACE",
            "records": [{"content": c, "disabled": False} for c in contents]}])

    def new_ksk(self) -> str:
        before = {k.id for k in zone_keys(self.api, self.zone)}
        self.api.add_cryptokey(self.zone, {"keytype": "ksk", "active": True,
                                           "published": True, "algorithm": "ECDSAP256SHA256"})
        new = next(k for k in zone_keys(self.api, self.zone) if k.id not in before)
        return next(d for d in new.ds if d.split()[2] == "2")

    def core_ds(self) -> list[str]:
        info = self.core.world.run(DomainInfoQuery(self.name), self.core.registrar).result
        return sorted(ds_text(d) for d in info.ds_data)

    def published(self, rdtype: str) -> list[str]:
        """What the child's own servers answer (PowerDNS's published CDS/CDNSKEY)."""
        reply = self.core.probe().query(self.zone, rdtype)
        return sorted(r.to_text(chunksize=0) for rrset in reply.answer for r in rrset
                      if rrset.rdtype == dns.rdatatype.from_text(rdtype))


def query_pdns(core: CoreWorld):
    probe = core.probe()
    return lambda address, name, rdtype: probe.query(name, rdtype)


def apply_through_core(core: CoreWorld):
    def apply(request):
        ds = tuple(DsData(d.key_tag, d.algorithm, d.digest_type, d.digest.upper())
                   for d in request.ds)
        return core.registry.run(lambda ctx: apply_cds(ctx, request.domain, ds),
                                 Actor.system(), "cds_apply")
    return apply


def scan(core: CoreWorld, scanner: CdsScanner, child: Child, query=None,
         addresses=("127.0.0.1",), bootstrap=None):
    return scanner.scan([core.expected(child.name)],
                        lambda d: glue_addresses(d, lambda host: list(addresses)),
                        query or query_pdns(core), apply_through_core(core), bootstrap)


def served_ds(core: CoreWorld, child: Child) -> list[str]:
    """The DS set the TLD answers (the child zone is on the same server: DS comes from the
    parent side all the same)."""
    reply = core.probe().query(child.zone, "DS", dnssec=False)
    return sorted(r.to_text() for rrset in reply.answer for r in rrset
                  if rrset.rdtype == dns.rdatatype.DS)


def polls(core: CoreWorld) -> list[str]:
    return core.world.task(lambda ctx: list(ctx.session.scalars(
        select(PollMessage.message).where(PollMessage.kind == POLL_KIND)
        .order_by(PollMessage.id))))
