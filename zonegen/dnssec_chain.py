"""DNSSEC validation of an answer from a trust anchor down (RFC 4035 section 5), for data the
registry acts on: RFC 9615 signaling records, fetched through a resolver that need not be
trusted (it is asked with CD set, and every signature is checked here).

A validated RRset carries a signature by a key of its signer zone; the signer's DNSKEY set is
signed by a key its parent's validated DS set names, and so on up to a zone whose keys a trust
anchor names (the root's, from Debian's dns-root-data, by default). Each step moves strictly up
the tree, so no answer can point the walk sideways. Answers expanded from a wildcard are not
accepted (proving the name's absence would need NSEC/NSEC3 validation; a signal is never a
wildcard). Absence of data is never proven: the caller treats "not found" as "not signaled".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dns.dnssec
import dns.exception
import dns.message
import dns.name
import dns.rdataset
import dns.rdatatype
import dns.zonefile

# (name, type) -> the answer, DNSSEC records included
Lookup = Callable[[str, str], dns.message.Message]
_DIGESTS = {1: "SHA1", 2: "SHA256", 4: "SHA384"}


class Insecure(Exception):
    """The data could not be validated; the message says where the chain broke."""


def read_trust_anchors(path: str | Path) -> dict[dns.name.Name, list]:
    """DS or DNSKEY records in zone-file form (``. IN DS 20326 8 2 E06D...``), by owner."""
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise Insecure(f"trust anchors {path}: {e.strerror}") from None
    try:
        rrsets = dns.zonefile.read_rrsets(text, rdclass=None, origin=dns.name.root,
                                          relativize=False, default_ttl=0)
    except dns.exception.DNSException as e:
        raise Insecure(f"trust anchors {path}: {e}") from None
    anchors: dict[dns.name.Name, list] = {}
    for rrset in rrsets:
        if rrset.rdtype in (dns.rdatatype.DS, dns.rdatatype.DNSKEY):
            anchors.setdefault(rrset.name, []).extend(rrset)
    if not anchors:
        raise Insecure(f"trust anchors {path}: no DS or DNSKEY record")
    return anchors


def ds_names_key(owner: dns.name.Name, key, ds) -> bool:
    """Whether the DS record ``ds`` is the digest of DNSKEY ``key`` at ``owner``."""
    digest = _DIGESTS.get(ds.digest_type)
    if digest is None or key.algorithm != ds.algorithm:
        return False
    try:
        return dns.dnssec.make_ds(owner, key, digest) == ds
    except (dns.dnssec.UnsupportedAlgorithm, ValueError):
        return False


class ChainValidator:
    """Validates answers from ``lookup``; zone keys are cached for the validator's life (one
    scan), so many signals under one operator's zone cost one walk."""

    def __init__(self, lookup: Lookup, anchors: dict[dns.name.Name, list]) -> None:
        self.lookup = lookup
        self.anchors = anchors
        self._keys: dict[dns.name.Name, dns.rdataset.Rdataset] = {}

    def validated(self, name: str | dns.name.Name, rdtype: str) -> dns.rdataset.Rdataset | None:
        """The RRset, validated; None when the answer holds none. Raises ``Insecure``."""
        owner = dns.name.from_text(name) if isinstance(name, str) else name
        kind = dns.rdatatype.from_text(rdtype)
        reply = self.lookup(owner.to_text(), rdtype)
        rrset = answer_rrset(reply, owner, kind)
        if rrset is None:
            return None
        sigs = answer_rrset(reply, owner, dns.rdatatype.RRSIG, kind)
        if sigs is None:
            raise Insecure(f"{rdtype} at {owner} is not signed")
        reason = f"{rdtype} at {owner} has no usable signature"
        for sig in sigs:
            signer = sig.signer
            if not owner.is_subdomain(signer) or sig.labels < _labels(owner) or \
                    (kind == dns.rdatatype.DS and signer == owner) or \
                    (kind == dns.rdatatype.DNSKEY and signer != owner):
                continue
            try:
                keys = self.zone_keys(signer)
                dns.dnssec.validate_rrsig((owner, rrset), sig, {signer: keys})
                return rrset
            except Insecure as e:
                reason = str(e)
            except (dns.dnssec.ValidationFailure, dns.dnssec.UnsupportedAlgorithm) as e:
                reason = f"{rdtype} at {owner}: signature by {signer} does not validate ({e})"
        raise Insecure(reason)

    def zone_keys(self, zone: dns.name.Name) -> dns.rdataset.Rdataset:
        """The zone's DNSKEY set, validated through its DS (or a trust anchor)."""
        if zone in self._keys:
            return self._keys[zone]
        if zone in self.anchors:
            named = self.anchors[zone]
        elif zone == dns.name.root:
            raise Insecure("no trust anchor covers the chain")
        else:
            ds = self.validated(zone, "DS")
            if ds is None:
                raise Insecure(f"{zone} has no DS: not a secure delegation")
            named = list(ds)
        reply = self.lookup(zone.to_text(), "DNSKEY")
        keys = answer_rrset(reply, zone, dns.rdatatype.DNSKEY)
        sigs = answer_rrset(reply, zone, dns.rdatatype.RRSIG, dns.rdatatype.DNSKEY)
        if keys is None or sigs is None:
            raise Insecure(f"{zone} has no signed DNSKEY set")
        trusted = dns.rdataset.Rdataset(keys.rdclass, dns.rdatatype.DNSKEY)
        for key in keys:
            if any(key == n if n.rdtype == dns.rdatatype.DNSKEY else ds_names_key(zone, key, n)
                   for n in named):
                trusted.add(key, keys.ttl)
        if not trusted:
            raise Insecure(f"no DNSKEY of {zone} matches its DS or trust anchor")
        try:
            dns.dnssec.validate((zone, keys), (zone, sigs), {zone: trusted})
        except (dns.dnssec.ValidationFailure, dns.dnssec.UnsupportedAlgorithm) as e:
            raise Insecure(f"the DNSKEY set of {zone} is not signed by a trusted key ({e})"
                           ) from None
        self._keys[zone] = keys
        return keys


def _labels(name: dns.name.Name) -> int:
    """The RRSIG labels value of a name that is not a wildcard expansion."""
    return len(name.labels) - 1 - (name.labels[0] == b"*")


def answer_rrset(reply: dns.message.Message, owner: dns.name.Name, rdtype: int,
                 covers: int = dns.rdatatype.NONE) -> dns.rdataset.Rdataset | None:
    """The answer section's RRset of that owner and type (RRSIGs: ``covers`` the type)."""
    for rrset in reply.answer:
        if rrset.name == owner and rrset.rdtype == rdtype and rrset.covers == covers:
            return rrset
    return None
