"""The catalog zone (RFC 9432, version 2) listing every TLD and hosted zone.

PowerDNS 4.7's native Producer maintains it: a zone of kind Producer, and every member zone
(kind Master) names it in its ``catalog`` attribute. Members appear at once; the catalog's
serial moves on the next communicator cycle (``xfr-cycle-interval``), which then NOTIFYs.
"""

from __future__ import annotations

import dns.name
import dns.query
import dns.rdatatype
import dns.xfr
import dns.zone

from zonegen.api import PowerDnsApi
from zonegen.names import normalize


def ensure_catalog(api: PowerDnsApi, catalog: str, also_notify: list[str] | None = None
                   ) -> bool:
    """Create the producer zone if missing; True if created."""
    catalog = normalize(catalog)
    created = False
    if api.zone(catalog, rrsets=False) is None:
        # serial 1 and no SOA-EDIT-API: the producer moves the serial to the current epoch
        # time on each member change; a date-style start (2026112801) would be larger than
        # that and the catalog serial would go backwards for consumers
        api.create_zone({
            "name": catalog, "kind": "Producer", "nameservers": [], "soa_edit_api": "",
            "rrsets": [
                {"name": catalog, "type": "SOA", "ttl": 3600, "records": [{
                    "content": "invalid. hostmaster.invalid. 1 3600 600 2419200 3600",
                    "disabled": False}]},
                # RFC 9432 section 4.1: the apex NS is a placeholder, never resolved
                {"name": catalog, "type": "NS", "ttl": 3600,
                 "records": [{"content": "invalid.", "disabled": False}]},
            ]})
        created = True
    if also_notify is not None:
        api.set_metadata(catalog, "ALSO-NOTIFY", also_notify)
    return created


def set_membership(api: PowerDnsApi, zone: str, catalog: str | None) -> None:
    api.update_zone(zone, {"catalog": normalize(catalog) if catalog else ""})


def catalog_members(catalog: str, server: str = "127.0.0.1", port: int = 53) -> set[str]:
    """Member zones as a consumer sees them: PTR targets under ``zones.<catalog>``."""
    catalog = normalize(catalog)
    zone = dns.zone.Zone(catalog)
    dns.query.inbound_xfr(server, zone, port=port, timeout=30)
    zones_label = dns.name.from_text("zones." + catalog)
    members = set()
    for name, node in zone.items():
        absolute = name.derelativize(zone.origin)
        if not absolute.is_subdomain(zones_label) or absolute == zones_label:
            continue
        for rdataset in node.rdatasets:
            if rdataset.rdtype == dns.rdatatype.PTR:
                members |= {r.target.to_text().lower() for r in rdataset}
    return members


def catalog_version(catalog: str, server: str = "127.0.0.1", port: int = 53) -> str | None:
    catalog = normalize(catalog)
    zone = dns.zone.Zone(catalog)
    dns.query.inbound_xfr(server, zone, port=port, timeout=30)
    rdataset = zone.get_rdataset("version", dns.rdatatype.TXT)
    if rdataset is None:
        return None
    return b"".join(next(iter(rdataset)).strings).decode()
