"""secDNS-1.1 data policy (RFC 5910): what DS and DNSKEY values a registrar may give us."""

from __future__ import annotations

import base64
import binascii

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

from .errors import (
    ParameterPolicyError,
    ParameterRangeError,
    ParameterSyntaxError,
    UnimplementedOption,
)
from .values import DsData, KeyDataValue

# RFC 8624: algorithms fit for signing today (RSA/SHA-1 and older are refused).
ALGORITHMS = {8, 10, 13, 14, 15, 16}
# RFC 8624 / ICANN RST dnssec-92: SHA-256 and SHA-384 only; hex length per digest type.
DIGEST_HEX_LENGTH = {2: 64, 4: 96}
# Public key sizes in bytes for the fixed-size algorithms (RFC 6605, RFC 8080).
KEY_BYTES = {13: 64, 14: 96, 15: 32, 16: 57}
KEY_FLAGS = {256, 257}
MAX_SIG_LIFE = (1, 2147483647)


def check_ds(ds: DsData) -> DsData:
    if not 0 <= ds.key_tag <= 65535:
        raise ParameterRangeError(f"DS keyTag {ds.key_tag} is out of range 0-65535")
    _check_algorithm(ds.algorithm, "DS")
    expected = DIGEST_HEX_LENGTH.get(ds.digest_type)
    if expected is None:
        raise ParameterPolicyError(
            f"DS digestType {ds.digest_type} is not accepted; use 2 (SHA-256) or 4 (SHA-384)")
    digest = "".join(ds.digest.split()).upper()
    try:
        bytes.fromhex(digest)
    except ValueError:
        raise ParameterSyntaxError(f"DS digest {ds.digest!r} is not hexadecimal") from None
    if len(digest) != expected:
        raise ParameterPolicyError(
            f"DS digest for digestType {ds.digest_type} must be {expected} hex digits, "
            f"not {len(digest)}")
    return DsData(ds.key_tag, ds.algorithm, ds.digest_type, digest)


def check_key(key: KeyDataValue) -> KeyDataValue:
    if key.flags not in KEY_FLAGS:
        raise ParameterPolicyError(f"DNSKEY flags must be 256 or 257, not {key.flags}")
    if key.protocol != 3:
        raise ParameterPolicyError(f"DNSKEY protocol must be 3, not {key.protocol}")
    _check_algorithm(key.algorithm, "DNSKEY")
    text = "".join(key.public_key.split())
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ParameterSyntaxError("DNSKEY public key is not valid base64") from None
    size = KEY_BYTES.get(key.algorithm)
    if size is not None and len(raw) != size:
        raise ParameterPolicyError(
            f"a public key of algorithm {key.algorithm} has {size} bytes, not {len(raw)}")
    if size is None and (len(raw) < 64 or (raw[0] or 256) > len(raw)):
        raise ParameterPolicyError("RSA public key is malformed or shorter than 512 bits")
    return KeyDataValue(key.flags, key.protocol, key.algorithm, text)


def check_max_sig_life(value: int | None, allowed: bool) -> int | None:
    if value is None:
        return None
    if not allowed:
        raise UnimplementedOption("this TLD does not accept maxSigLife")
    if not MAX_SIG_LIFE[0] <= value <= MAX_SIG_LIFE[1]:
        raise ParameterRangeError(f"maxSigLife {value} is out of range")
    return value


def ds_from_key(owner: str, key: KeyDataValue, digest_type: int = 2) -> DsData:
    """The DS zonegen publishes for a DNSKEY given through the keyData interface."""
    rdata = dns.rdata.from_text(
        dns.rdataclass.IN, dns.rdatatype.DNSKEY,
        f"{key.flags} {key.protocol} {key.algorithm} {key.public_key}")
    ds = dns.dnssec.make_ds(dns.name.from_text(owner), rdata,
                            "SHA256" if digest_type == 2 else "SHA384")
    return DsData(ds.key_tag, ds.algorithm, ds.digest_type, ds.digest.hex().upper())


def _check_algorithm(algorithm: int, what: str) -> None:
    if not 0 <= algorithm <= 255:
        raise ParameterRangeError(f"{what} algorithm {algorithm} is out of range")
    if algorithm not in ALGORITHMS:
        raise ParameterPolicyError(
            f"{what} algorithm {algorithm} is not accepted; use one of "
            f"{', '.join(map(str, sorted(ALGORITHMS)))}")
