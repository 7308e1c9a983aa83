"""RFC 9615: the first DS of an unsigned delegation, from its DNS operator's signal.

The child's own CDS/CDNSKEY cannot be trusted yet (no DS vouches for its keys). Its DNS
operator vouches instead: for each name server ``ns1.provider.net`` of ``child.tld`` it
publishes the same CDS/CDNSKEY sets at ``_dsboot.child.tld._signal.ns1.provider.net``, in a
zone that is itself securely delegated. A bootstrap request counts only if, for every name
server of the delegation, each of the two sets found there validates (``ChainValidator``, from
the configured trust anchors) and equals what the child publishes, so that every operator
serving the zone agrees. A name server inside the child cannot signal (its zone is the one
being bootstrapped): such a delegation is refused. ``cds_scan`` checks the rest (the same
answer at every server, the DS pointing at keys that sign the child's DNSKEY and CDS sets).
"""

from __future__ import annotations

from dataclasses import dataclass

import dns.exception
import dns.name

from zonegen.dnssec_chain import ChainValidator, Insecure, Lookup
from zonegen.probe import ProbeError

SIGNAL_TYPES = ("CDS", "CDNSKEY")


def signal_name(child: str, host: str) -> str:
    """``_dsboot.<child>._signal.<name server>``, absolute."""
    return f"_dsboot.{child.rstrip('.')}._signal.{host.rstrip('.')}."


@dataclass
class SignalCheck:
    """One scan's signal checks; the validator caches zone keys across the scan."""

    chain: ChainValidator

    @classmethod
    def create(cls, lookup: Lookup, anchors: dict) -> SignalCheck:
        return cls(ChainValidator(lookup, anchors))

    def refusal(self, child: str, nameservers: tuple[str, ...],
                published: dict[str, frozenset]) -> str | None:
        """Why the child's ``published`` CDS/CDNSKEY sets (rdata by type) are not
        signaled by every name server's operator; None when they are."""
        owner = dns.name.from_text(child)
        for host in nameservers:
            if dns.name.from_text(host).is_subdomain(owner):
                return (f"name server {host.rstrip('.')} is inside the zone: it cannot "
                        "signal (RFC 9615 needs name servers outside the child)")
        for host in nameservers:
            name = signal_name(child, host)
            for rdtype in SIGNAL_TYPES:
                try:
                    found = self.chain.validated(name, rdtype)
                except Insecure as e:
                    return f"signal {name} {rdtype} not validated: {e}"
                except (ProbeError, dns.exception.DNSException) as e:
                    return f"signal {name} {rdtype}: no answer ({e})"
                signaled = frozenset(found) if found is not None else frozenset()
                if signaled != published.get(rdtype, frozenset()):
                    what = "missing" if not signaled else "different from the child's"
                    return f"signal {name} {rdtype} {what}"
        return None
