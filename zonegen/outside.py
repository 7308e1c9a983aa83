"""DNS beyond our own servers, asked only as configured: name servers of other zones found
through ``[powerdns] outside_resolver`` (a resolver the operator runs; never the system's
resolver, so nothing is asked unless configured) and queried on ``outside_port``, only at
addresses ``outside_networks`` allows (public addresses by default: glue is registrants'
data, and must not point the registry at its own networks or, in a sandbox, off the machine).

Used by the CDS scan (a child's name servers) and by hosted-zone unsigning (whether a parent
that is not ours still serves the DS).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rdatatype
import dns.resolver

from zonegen.config import PowerDnsSettings, split_endpoint
from zonegen.names import ancestors_between, normalize
from zonegen.probe import DnsProbe, ProbeError, ds_published


@dataclass(frozen=True)
class OutsideDns:
    resolver: tuple[str, int] | None
    port: int = 53
    networks: tuple[str, ...] = ()     # empty: public addresses only

    @classmethod
    def from_settings(cls, settings: PowerDnsSettings) -> OutsideDns:
        resolver = (split_endpoint(settings.outside_resolver)
                    if settings.outside_resolver else None)
        return cls(resolver, settings.outside_port, settings.outside_networks)

    def allowed(self, address: str) -> bool:
        """Whether a name server at ``address`` may be asked."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if not self.networks:
            return ip.is_global
        return any(ip in ipaddress.ip_network(n) for n in self.networks)

    def _resolve(self, name: str, rdtype: str) -> list[str]:
        if self.resolver is None:
            return []
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers, resolver.port = [self.resolver[0]], self.resolver[1]
        resolver.lifetime = 5.0
        try:
            return [r.to_text() for r in resolver.resolve(name, rdtype)]
        except dns.exception.DNSException:
            return []

    def addresses(self, host: str) -> list[str]:
        """The host's addresses that may be asked."""
        return [a for a in self._resolve(host, "A") + self._resolve(host, "AAAA")
                if self.allowed(a)]

    def lookup(self, name: str, rdtype: str) -> dns.message.Message:
        """The resolver's answer with DNSSEC records, unvalidated (CD: the caller validates,
        ``zonegen.dnssec_chain``). Raises ``ProbeError`` without a resolver."""
        if self.resolver is None:
            raise ProbeError("no [powerdns] outside_resolver configured")
        q = dns.message.make_query(name, rdtype, want_dnssec=True)
        q.flags |= dns.flags.CD
        probe = DnsProbe(*self.resolver)
        try:
            reply = dns.query.udp(q, probe.server, port=probe.port, timeout=5.0)
            if reply.flags & dns.flags.TC:
                reply = dns.query.tcp(q, probe.server, port=probe.port, timeout=5.0)
        except (dns.exception.Timeout, OSError) as e:
            raise ProbeError(f"no answer from the resolver for {name} {rdtype}: {e}") from None
        return reply

    def query(self, address: str, name: str, rdtype: str) -> dns.message.Message:
        return DnsProbe(address, self.port).query(name, rdtype)

    def parent_servers(self, zone: str) -> list[str]:
        """The addresses of the name servers of the zone above ``zone``."""
        for parent in ancestors_between(normalize(zone), "."):
            hosts = self._resolve(parent, "NS")
            if hosts:
                return [a for h in hosts for a in self.addresses(h)]
        return []

    def ds_visible(self, zone: str) -> bool | None:
        """Whether any name server of the parent answers a DS for ``zone``; None when that
        cannot be told (no resolver configured, no server found)."""
        servers = self.parent_servers(zone)
        if not servers:
            return None
        for address in servers:
            try:
                if ds_published(DnsProbe(address, self.port), zone):
                    return True
            except ProbeError:
                return True          # not answering: it may still serve the DS
        return False
