"""Automated DS maintenance: what a delegated child asks for with CDS/CDNSKEY (RFC 7344,
RFC 8078), checked before the registry acts on it.

A request counts only if, at every name server of the delegation:
* the child's DNSKEY set and its CDS (or CDNSKEY) set are signed by a key that the current
  DS set names (RFC 7344 section 4.1): nobody but the key holder can move the DS;
* the new DS set points at a key the child publishes (else the change would break it), or is
  the RFC 8078 delete request (CDS ``0 0 0 00`` / CDNSKEY ``0 3 0 AA==``);
* CDS and CDNSKEY, when both are there, name the same keys;
and every name server answers the same. An unsigned delegation has no DS to vouch for the
child's keys: its request counts only through RFC 9615 signals (``cds_bootstrap``), and the
child's DNSKEY and CDS/CDNSKEY sets must then be signed by the keys the new DS names (a DS
that does not validate the zone would make it bogus). The request must then stay the same
across scans for ``hold_down`` seconds (``CdsScanner``, its memory in a ``HoldDownStore``:
the registry's database in service, see ``cds_run``) before the registry applies it
(``registry.cds``). Refusals change nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import dns.dnssec
import dns.exception
import dns.message
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdataset
import dns.rdatatype

from zonegen.dnssec_chain import answer_rrset, ds_names_key
from zonegen.model import Delegation, DsRecord
from zonegen.probe import ProbeError

# (domain, name servers, the child's CDS/CDNSKEY rdata by type) -> why not signaled, or None
Bootstrap = Callable[[str, tuple[str, ...], dict[str, frozenset]], "str | None"]

# (address, name, type) -> the server's answer, DNSSEC records requested
Query = Callable[[str, str, str], dns.message.Message]
DELETE_CDS = "0 0 0 00"
DELETE_CDNSKEY = "0 3 0 AA=="


@dataclass(frozen=True)
class CdsRequest:
    domain: str
    ds: tuple[DsRecord, ...]        # empty: the child asks for its DS to be deleted
    # what the child publishes, rdata by type (compared with RFC 9615 signals)
    published: tuple[tuple[str, frozenset], ...] = ()

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(sorted(d.content for d in self.ds))

    @property
    def answer(self) -> tuple:
        """What must be the same at every name server."""
        return self.key, tuple(sorted((t, tuple(sorted(r.to_text() for r in rdata)))
                                      for t, rdata in self.published))


@dataclass(frozen=True)
class CdsRefusal:
    domain: str
    reason: str


class _Refused(Exception):
    pass


def _matches(name: dns.name.Name, key: object, ds: DsRecord) -> bool:
    return ds_names_key(name, key, dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DS,
                                                       ds.content))


def examine(delegation: Delegation, addresses: Iterable[str], query: Query,
            bootstrap: Bootstrap | None = None) -> CdsRequest | CdsRefusal | None:
    """What the child asks for, checked at each address; None when it asks nothing.
    ``bootstrap``: the RFC 9615 check for unsigned delegations (None: they are refused)."""
    name = delegation.name
    seen: set[tuple | None] = set()
    request: CdsRequest | None = None
    addresses = list(addresses)
    if not addresses:
        return None if not delegation.ds else \
            CdsRefusal(name, "no address to ask for any name server")
    for address in addresses:
        try:
            found = _examine_at(delegation, address, query, bootstrap is not None)
        except _Refused as e:
            return CdsRefusal(name, f"{address}: {e}")
        except (dns.exception.DNSException, OSError, ProbeError) as e:
            if not delegation.ds:      # a lame unsigned delegation asks nothing we know of
                return None
            return CdsRefusal(name, f"{address}: no answer ({e})")
        seen.add(None if found is None else found.answer)
        request = request or found
    if len(seen) > 1:
        return CdsRefusal(name, "the name servers answer differently")
    if request is not None and request.ds and not delegation.ds and bootstrap is not None:
        reason = bootstrap(name, delegation.nameservers, dict(request.published))
        if reason is not None:
            return CdsRefusal(name, reason)
    return request


def _examine_at(delegation: Delegation, address: str, query: Query,
                bootstrap: bool = False) -> CdsRequest | None:
    owner = dns.name.from_text(delegation.name)
    cds_reply = query(address, delegation.name, "CDS")
    cdnskey_reply = query(address, delegation.name, "CDNSKEY")
    cds = answer_rrset(cds_reply, owner, dns.rdatatype.CDS)
    cdnskey = answer_rrset(cdnskey_reply, owner, dns.rdatatype.CDNSKEY)
    if cds is None and cdnskey is None:
        return None
    if not delegation.ds and not bootstrap:
        raise _Refused("CDS/CDNSKEY on an unsigned delegation: bootstrap (RFC 9615) needs "
                       "[powerdns] outside_resolver and trust anchors")
    keys_reply = query(address, delegation.name, "DNSKEY")
    keys = answer_rrset(keys_reply, owner, dns.rdatatype.DNSKEY)
    if keys is None:
        raise _Refused("no DNSKEY set")
    published = tuple((dns.rdatatype.to_text(s.rdtype), frozenset(s))
                      for s in (cds, cdnskey) if s is not None)
    if delegation.ds:
        vouching, which = delegation.ds, "the current DS set"
    else:                  # bootstrap: the keys the new DS would name must sign the zone
        vouching, which = _wanted(owner, keys, cds, cdnskey), "the DS it asks for"
        if not vouching:
            return CdsRequest(delegation.name, (), published)   # "delete" with no DS: done
    trusted = dns.rdataset.Rdataset(dns.rdataclass.IN, dns.rdatatype.DNSKEY)
    for key in keys:
        if any(_matches(owner, key, ds) for ds in vouching):
            trusted.add(key, keys.ttl)
    if not trusted:
        raise _Refused(f"no DNSKEY matches {which}")
    for rrset, reply in ((keys, keys_reply), (cds, cds_reply), (cdnskey, cdnskey_reply)):
        if rrset is None:
            continue
        sig = answer_rrset(reply, owner, dns.rdatatype.RRSIG, rrset.rdtype)
        if sig is None:
            raise _Refused(f"{dns.rdatatype.to_text(rrset.rdtype)} set not signed")
        try:
            dns.dnssec.validate((owner, rrset), (owner, sig), {owner: trusted})
        except dns.dnssec.ValidationFailure:
            raise _Refused(f"{dns.rdatatype.to_text(rrset.rdtype)} set not signed by a key "
                           f"of {which}") from None
    return CdsRequest(delegation.name, _wanted(owner, keys, cds, cdnskey), published)


def _wanted(owner: dns.name.Name, keys: dns.rdataset.Rdataset,
            cds: dns.rdataset.Rdataset | None, cdnskey: dns.rdataset.Rdataset | None
            ) -> tuple[DsRecord, ...]:
    deletes = [(cds, DELETE_CDS), (cdnskey, DELETE_CDNSKEY)]
    asked = [{r.to_text() for r in s} == {text} for s, text in deletes if s is not None]
    if any(asked):
        if not all(asked):
            raise _Refused("CDS and CDNSKEY disagree (one asks for deletion)")
        return ()
    from_cds = [DsRecord.from_text(r.to_text()) for r in cds] if cds is not None else []
    from_cdnskey = ([DsRecord.from_text(dns.dnssec.make_ds(owner, r, "SHA256").to_text())
                     for r in cdnskey] if cdnskey is not None else [])
    if cds is not None and cdnskey is not None and \
            {(d.key_tag, d.algorithm) for d in from_cds} != \
            {(d.key_tag, d.algorithm) for d in from_cdnskey}:
        raise _Refused("CDS and CDNSKEY name different keys")
    wanted = tuple(from_cds or from_cdnskey)
    for ds in wanted:
        if not any(_matches(owner, key, ds) for key in keys):
            raise _Refused(f"CDS {ds.content} matches no DNSKEY of the child")
    return wanted


class HoldDownStore(Protocol):
    """Where the scanner remembers since when each pending request has been seen."""

    def load(self) -> dict[str, tuple[tuple[str, ...], float]]: ...

    def remember(self, domain: str, key: tuple[str, ...], since: float) -> None: ...

    def forget(self, domain: str) -> None: ...


@dataclass
class MemoryHoldDown:
    """In memory: for one-off reports and tests; a restart forgets every pending request."""

    seen: dict[str, tuple[tuple[str, ...], float]] = field(default_factory=dict)

    def load(self) -> dict[str, tuple[tuple[str, ...], float]]:
        return dict(self.seen)

    def remember(self, domain: str, key: tuple[str, ...], since: float) -> None:
        self.seen[domain] = (key, since)

    def forget(self, domain: str) -> None:
        self.seen.pop(domain, None)


@dataclass
class CdsScanner:
    """Requests apply once the same one has been seen for ``hold_down`` seconds, at most
    ``max_changes`` per scan (a burst beyond waits for the next scan)."""

    hold_down: float = 3600.0
    max_changes: int = 100
    clock: Callable[[], float] = time.time
    store: HoldDownStore = field(default_factory=MemoryHoldDown)

    def scan(self, delegations: Iterable[Delegation],
             addresses: Callable[[Delegation], list[str]], query: Query,
             apply: Callable[[CdsRequest], object], bootstrap: Bootstrap | None = None
             ) -> tuple[list[object], list[CdsRefusal]]:
        """Examine each delegation; returns what ``apply`` returned, and the refusals."""
        applied: list[object] = []
        refused: list[CdsRefusal] = []
        now = self.clock()
        seen = self.store.load()

        def forget(domain: str) -> None:
            if seen.pop(domain, None) is not None:
                self.store.forget(domain)

        for delegation in delegations:
            found = examine(delegation, addresses(delegation), query, bootstrap)
            if isinstance(found, CdsRefusal):
                refused.append(found)
                forget(delegation.name)
                continue
            if found is None or found.key == tuple(sorted(d.content for d in delegation.ds)):
                forget(delegation.name)     # nothing asked, or already done
                continue
            key, since = seen.get(delegation.name, (None, now))
            if key != found.key:
                seen[delegation.name] = (found.key, now)
                self.store.remember(delegation.name, found.key, now)
                since = now
            if now - since >= self.hold_down and len(applied) < self.max_changes:
                applied.append(apply(found))
                forget(delegation.name)
        return applied, refused


def glue_addresses(delegation: Delegation,
                   resolve: Callable[[str], list[str]] = lambda host: [],
                   allowed: Callable[[str], bool] = lambda address: True) -> list[str]:
    """Every address of every name server: glue for hosts inside the delegation, else
    ``resolve`` (a configured resolver on loopback; none by default), each one ``allowed``.
    A name server without such an address leaves the list empty: a request must be seen at
    every server."""
    glue = delegation.glue_map
    out: list[str] = []
    for host in delegation.nameservers:
        found = [a for a in (list(glue.get(host, ())) or resolve(host)) if allowed(a)]
        if not found:
            return []
        out += found
    return out
