"""What every server of ours answers: the primary and each configured secondary.

DNSSEC steps of hosted zones wait on these (zonegen.hosted): a DS may follow keys only once
every server answers the keys, and keys may go only once no server of the parent serves the
DS. A server that does not answer counts as not there yet (for keys) and as still serving
(for the DS): either way the zone stays safe and the step waits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import dns.exception
import dns.rdatatype

from zonegen.config import PowerDnsSettings, split_endpoint
from zonegen.names import ancestors_between, normalize
from zonegen.outside import OutsideDns
from zonegen.probe import DnsProbe, ProbeError, ds_published


def _key_text(text: str) -> str:
    return "".join(text.split())


@dataclass
class OurServers:
    probes: tuple[DnsProbe, ...]
    # whether the parent zone of a zone is one of ours (served by these same servers)
    parent_is_ours: Callable[[str], bool]
    # a parent that is not ours: asked through the configured resolver, if any
    outside: OutsideDns | None = None

    @classmethod
    def from_settings(cls, settings: PowerDnsSettings,
                      parent_is_ours: Callable[[str], bool]) -> OurServers:
        probes = [DnsProbe(settings.address, settings.port)]
        probes += [DnsProbe(*split_endpoint(s)) for s in settings.secondaries]
        return cls(tuple(probes), parent_is_ours, OutsideDns.from_settings(settings))

    def keys_served(self, zone: str, dnskeys: Iterable[str]) -> bool:
        """Every server answers a signed DNSKEY set holding each of ``dnskeys``."""
        wanted = {_key_text(k) for k in dnskeys}
        for probe in self.probes:
            try:
                served = {_key_text(r.to_text()) for r in probe.dnskeys(normalize(zone))}
            except (ProbeError, dns.exception.DNSException):
                return False
            if not wanted <= served:
                return False
        return True

    def ds_visible(self, zone: str) -> bool | None:
        """Whether any server of the parent still answers a DS for ``zone``: ours, or for a
        parent that is not ours its own name servers (``outside``); None when that cannot
        be told (no resolver configured)."""
        if not self.parent_is_ours(zone):
            return self.outside.ds_visible(zone) if self.outside is not None else None
        for probe in self.probes:
            try:
                if ds_published(probe, zone):
                    return True
            except ProbeError:
                return True
        return False

    def answers(self, zone: str, rdtype: str) -> list[str]:
        """Per server, a short account (``status``): what it answers for ``zone rdtype``."""
        lines = []
        for probe in self.probes:
            where = f"{probe.server}:{probe.port}"
            try:
                reply = probe.query(normalize(zone), rdtype)
            except ProbeError as e:
                lines.append(f"{where}: no answer ({e})")
                continue
            code = dns.rdatatype.from_text(rdtype)
            count = sum(len(r) for r in reply.answer
                        if r.rdtype == code and r.name.to_text() == normalize(zone))
            lines.append(f"{where}: {count} {rdtype}")
        return lines


def parent_in(zones: Callable[[str], bool]) -> Callable[[str], bool]:
    """``parent_is_ours`` from a test of zone existence (PowerDNS holds the parent zone)."""
    def ours(zone: str) -> bool:
        return any(zones(a) for a in ancestors_between(normalize(zone), "."))
    return ours
