"""Live checks of what PowerDNS answers, with signatures validated against the zone's keys.

A delegation is published correctly when a ``+dnssec +norec`` query gets a referral whose NS
and glue carry no RRSIG, with either a signed DS or a signed proof that there is none (NSEC3
opt-out covering the name, or NSEC/NSEC3 matching it without the DS bit).
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from zonegen.model import Delegation
from zonegen.names import ancestors_between, normalize
from zonegen.rectify import Denial

_B32HEX = "0123456789ABCDEFGHIJKLMNOPQRSTUV"


class ProbeError(Exception):
    """The server did not answer."""


@dataclass(frozen=True)
class DnsProbe:
    server: str = "127.0.0.1"
    port: int = 53
    timeout: float = 2.0

    def query(self, name: str, rdtype: str, dnssec: bool = True) -> dns.message.Message:
        q = dns.message.make_query(name, rdtype, want_dnssec=dnssec)
        q.flags &= ~dns.flags.RD
        try:
            reply = dns.query.udp(q, self.server, port=self.port, timeout=self.timeout)
            if reply.flags & dns.flags.TC:
                reply = dns.query.tcp(q, self.server, port=self.port, timeout=self.timeout)
        except (dns.exception.Timeout, OSError) as e:
            raise ProbeError(f"no answer from {self.server}:{self.port} for {name} {rdtype}: "
                             f"{e}") from None
        return reply

    def dnskeys(self, zone: str) -> dns.rrset.RRset:
        """The zone's DNSKEY set, checked to be signed by itself."""
        reply = self.query(zone, "DNSKEY")
        keys = _find(reply.answer, zone, dns.rdatatype.DNSKEY)
        sig = _find(reply.answer, zone, dns.rdatatype.RRSIG, dns.rdatatype.DNSKEY)
        if keys is None or sig is None:
            raise ProbeError(f"{zone} has no signed DNSKEY set")
        dns.dnssec.validate(keys, sig, {dns.name.from_text(zone): keys})
        return keys


def _find(section: list[dns.rrset.RRset], name: str, rdtype: int,
          covers: int = dns.rdatatype.NONE) -> dns.rrset.RRset | None:
    target = dns.name.from_text(name)
    for rrset in section:
        if rrset.name == target and rrset.rdtype == rdtype and rrset.covers == covers:
            return rrset
    return None


def _b32hex(raw: bytes) -> str:
    return base64.b32encode(raw).decode().translate(str.maketrans(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _B32HEX)).lower()


def _covers(owner: str, nxt: str, h: str) -> bool:
    if owner < nxt:
        return owner < h < nxt
    return h > owner or h < nxt          # the last NSEC3 wraps around to the first


class _Checker:
    def __init__(self, zone: str, keys: dns.rrset.RRset, reply: dns.message.Message) -> None:
        self.zone = zone
        self.keyring = {dns.name.from_text(zone): keys}
        self.reply = reply
        self.faults: list[str] = []

    def signed(self, section: list[dns.rrset.RRset], rrset: dns.rrset.RRset, what: str) -> bool:
        sig = _find(section, rrset.name.to_text(), dns.rdatatype.RRSIG, rrset.rdtype)
        if sig is None:
            self.faults.append(f"{what}: no RRSIG")
            return False
        try:
            dns.dnssec.validate(rrset, sig, self.keyring)
        except dns.dnssec.ValidationFailure as e:
            self.faults.append(f"{what}: RRSIG does not validate ({e})")
            return False
        return True

    def unsigned(self, section: list[dns.rrset.RRset], rrset: dns.rrset.RRset,
                 what: str) -> None:
        if _find(section, rrset.name.to_text(), dns.rdatatype.RRSIG, rrset.rdtype):
            self.faults.append(f"{what}: carries an RRSIG but must not (not authoritative)")

    def nsec3_sets(self) -> list[dns.rrset.RRset]:
        return [r for r in self.reply.authority if r.rdtype == dns.rdatatype.NSEC3]


def check_delegation(probe: DnsProbe, zone: str, denial: Denial, name: str,
                     expected: Delegation | None, keys: dns.rrset.RRset | None = None
                     ) -> list[str]:
    """Faults in the live answer for ``name`` (empty list: published as expected)."""
    zone, name = normalize(zone), normalize(name)
    if denial.secured and keys is None:
        keys = probe.dnskeys(zone)
    reply = probe.query(name, "NS" if expected else "A")
    c = _Checker(zone, keys, reply) if keys is not None else None
    faults: list[str] = []
    ns = _find(reply.authority, name, dns.rdatatype.NS)
    if expected is None:
        if ns is not None:
            faults.append(f"{name}: still delegated")
        if reply.rcode() not in (dns.rcode.NXDOMAIN, dns.rcode.NOERROR) or reply.answer:
            faults.append(f"{name}: unexpected answer {dns.rcode.to_text(reply.rcode())}")
        if not reply.flags & dns.flags.AA:
            faults.append(f"{name}: negative answer is not authoritative")
        if c is not None:
            for rrset in reply.authority:
                if rrset.rdtype != dns.rdatatype.RRSIG:
                    c.signed(reply.authority, rrset, f"{name} negative {rrset.name} "
                             f"{dns.rdatatype.to_text(rrset.rdtype)}")
            if not any(r.rdtype in (dns.rdatatype.NSEC, dns.rdatatype.NSEC3)
                       for r in reply.authority):
                faults.append(f"{name}: negative answer without NSEC/NSEC3 proof")
            faults += c.faults
        return faults

    if reply.rcode() != dns.rcode.NOERROR or reply.answer or reply.flags & dns.flags.AA:
        faults.append(f"{name}: not a referral (rcode {dns.rcode.to_text(reply.rcode())}, "
                      f"AA={bool(reply.flags & dns.flags.AA)}, answer={len(reply.answer)})")
    if ns is None:
        return [*faults, f"{name}: no NS in the referral"]
    got_ns = sorted(r.target.to_text().lower() for r in ns)
    if got_ns != sorted(expected.nameservers):
        faults.append(f"{name}: NS {got_ns} != {sorted(expected.nameservers)}")
    glue = expected.glue_map
    for host in expected.nameservers:
        for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            want = sorted(a for a in glue.get(host, ()) if (":" in a) == (rdtype == 28))
            got = _find(reply.additional, host, rdtype)
            have = sorted(r.address for r in got) if got else []
            # sibling glue (a host under another delegation) is PowerDNS's choice to add
            if host in glue and have != want:
                faults.append(f"{name}: glue {host} {dns.rdatatype.to_text(rdtype)} "
                              f"{have} != {want}")
            if got is not None and c is not None:
                c.unsigned(reply.additional, got, f"{name} glue {host}")
    if c is None:
        return faults
    c.unsigned(reply.authority, ns, f"{name} NS")
    ds = _find(reply.authority, name, dns.rdatatype.DS)
    want_ds = sorted(d.content for d in expected.ds)
    if want_ds:
        if ds is None:
            faults.append(f"{name}: DS missing from the referral")
        else:
            have_ds = sorted(f"{r.key_tag} {r.algorithm} {r.digest_type} {r.digest.hex()}"
                             for r in ds)
            if have_ds != want_ds:
                faults.append(f"{name}: DS {have_ds} != {want_ds}")
            c.signed(reply.authority, ds, f"{name} DS")
    else:
        if ds is not None:
            faults.append(f"{name}: unexpected DS")
        faults += _no_ds_proof(c, denial, name)
    return faults + c.faults


def _no_ds_proof(c: _Checker, denial: Denial, name: str) -> list[str]:
    if denial.nsec3:
        return _nsec3_no_ds_proof(c, denial, name)
    nsec = _find(c.reply.authority, name, dns.rdatatype.NSEC)
    if nsec is None:
        return [f"{name}: no NSEC proof that there is no DS"]
    rd = nsec[0]
    if _has_type(rd, dns.rdatatype.DS) or not _has_type(rd, dns.rdatatype.NS):
        return [f"{name}: NSEC type bitmap does not prove an unsigned delegation"]
    c.signed(c.reply.authority, nsec, f"{name} NSEC")
    return []


def _nsec3_no_ds_proof(c: _Checker, denial: Denial, name: str) -> list[str]:
    """RFC 5155 section 8.9: an NSEC3 matching the delegation (NS, no DS), or a closest
    encloser proof whose "next closer" name is covered by an opt-out NSEC3."""
    records = []
    for rrset in c.nsec3_sets():
        owner = rrset.name.labels[0].decode().upper()
        records += [(owner, _b32hex(rd.next).upper(), rd, rrset) for rd in rrset]
    by_owner = {owner: (rd, rrset) for owner, _nxt, rd, rrset in records}
    match = by_owner.get(denial.hash(name).upper())
    if match is not None:
        rd, rrset = match
        if _has_type(rd, dns.rdatatype.DS) or not _has_type(rd, dns.rdatatype.NS):
            return [f"{name}: NSEC3 type bitmap does not prove an unsigned delegation"]
        c.signed(c.reply.authority, rrset, f"{name} NSEC3")
        return []
    path = [name, *ancestors_between(name, c.zone), c.zone]
    for i, encloser in enumerate(path[1:], start=1):
        found = by_owner.get(denial.hash(encloser).upper())
        if found is None:
            continue
        next_closer = denial.hash(path[i - 1]).upper()
        for owner, nxt, rd, rrset in records:
            if rd.flags & 1 and _covers(owner, nxt, next_closer):
                c.signed(c.reply.authority, found[1], f"{name} closest encloser NSEC3")
                c.signed(c.reply.authority, rrset, f"{name} opt-out NSEC3")
                return []
        break
    return [f"{name}: no NSEC3 proof that there is no DS"]


def _has_type(rdata: object, rdtype: int) -> bool:
    for window, bitmap in rdata.windows:  # type: ignore[attr-defined]
        if window != rdtype // 256:
            continue
        i = (rdtype % 256) // 8
        if i < len(bitmap) and bitmap[i] & (0x80 >> (rdtype % 8)):
            return True
    return False


def wait_published(probe: DnsProbe, zone: str, denial: Denial, name: str,
                   expected: Delegation | None, keys: dns.rrset.RRset | None,
                   timeout: float = 5.0, interval: float = 0.005) -> float:
    """Poll until ``name`` is answered as expected; returns the seconds it took."""
    start = time.monotonic()
    while True:
        faults = check_delegation(probe, zone, denial, name, expected, keys)
        if not faults:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise ProbeError("; ".join(faults))
        time.sleep(interval)


def ds_published(probe: DnsProbe, name: str) -> bool:
    """Whether the parent (served by ``probe``'s server) answers a DS set for ``name``."""
    reply = probe.query(normalize(name), "DS", dnssec=False)
    return _find(reply.answer, normalize(name), dns.rdatatype.DS) is not None
