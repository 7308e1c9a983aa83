"""Signed Mark Data (RFC 7848): decode, validate against the schema, check the signer's
certificate against the TMCH CA and its CRL at the command's instant, verify the XML
signature, and read what was signed.

The signature is verified by ``signxml`` (pure Python over lxml and cryptography, both
already ours; maintained, and the XMLDSig library Python projects use, where ``xmlsec``
needs the C library and its build). The certificate chain, its validity and revocation are
checked here, against the injected clock: an SMD accepted today is judged as of the
command, not of the wall clock of the machine.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from lxml import etree
from signxml import XMLVerifier
from signxml.exceptions import SignXMLException

from schemas import NAMESPACES, load_schema

from ..errors import ParameterPolicyError, ParameterSyntaxError

SMD = NAMESPACES["signedMark"]
MARK = NAMESPACES["mark"]
DSIG = NAMESPACES["dsig"]
MAX_SMD_BYTES = 256 * 1024


class SmdRefused(ParameterPolicyError):
    """An SMD that is invalid, revoked, expired or not for the label (2306)."""


@dataclass(frozen=True)
class SignedMark:
    id: str
    not_before: datetime
    not_after: datetime
    labels: frozenset[str]
    mark_names: tuple[str, ...]


@dataclass(frozen=True)
class TmchTrust:
    """What an SMD is checked against: the TMCH CA, its CRL, the revoked SMDs."""

    ca: x509.Certificate
    crl: x509.CertificateRevocationList | None
    revoked_smds: frozenset[str]


def decode(encoded: str) -> bytes:
    """The base64 of ``<smd:encodedSignedMark>``; a whole SMD file (with its BEGIN/END
    ENCODED SMD lines) works too."""
    lines = [line for line in encoded.strip().splitlines()
             if line.strip() and not line.startswith("-----")
             and ":" not in line.split(" ", 1)[0]]
    try:
        data = base64.b64decode("".join(lines), validate=True)
    except (binascii.Error, ValueError):
        raise ParameterSyntaxError("the encoded signed mark is not base64") from None
    if len(data) > MAX_SMD_BYTES:
        raise ParameterSyntaxError(f"a signed mark is at most {MAX_SMD_BYTES} bytes")
    return data


def verify(data: bytes, trust: TmchTrust, now: datetime) -> SignedMark:
    """The signed mark in ``data`` if its signature, certificate and dates hold now."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             remove_blank_text=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        raise SmdRefused("the signed mark is not XML") from None
    if root.tag != f"{{{SMD}}}signedMark":
        raise SmdRefused("the signed mark is not an <smd:signedMark>")
    schema = load_schema()
    if not schema.validate(root):
        raise SmdRefused(f"the signed mark is not valid: {schema.error_log[0].message}")
    signer = _signer_certificate(root)
    _check_certificate(signer, trust, now)
    try:
        result = XMLVerifier().verify(root, x509_cert=signer)
    except (SignXMLException, ValueError, etree.LxmlError) as e:
        raise SmdRefused(f"the signed mark's signature does not verify: {e}") from None
    signed = result.signed_xml  # read only what the signature covers
    if signed is None or signed.tag != f"{{{SMD}}}signedMark":
        raise SmdRefused("the signature does not cover the signed mark")
    mark = _read(signed)
    if mark.id in trust.revoked_smds:
        raise SmdRefused(f"signed mark {mark.id} has been revoked (SMD revocation list)")
    if not mark.not_before <= now < mark.not_after:
        raise SmdRefused(f"signed mark {mark.id} is valid from {mark.not_before:%Y-%m-%d} "
                         f"to {mark.not_after:%Y-%m-%d}, not now")
    return mark


def _signer_certificate(root: etree._Element) -> x509.Certificate:
    text = root.findtext(f"{{{DSIG}}}Signature/{{{DSIG}}}KeyInfo/{{{DSIG}}}X509Data/"
                         f"{{{DSIG}}}X509Certificate")
    if not text:
        raise SmdRefused("the signed mark carries no signing certificate")
    try:
        return x509.load_der_x509_certificate(base64.b64decode("".join(text.split())))
    except ValueError:
        raise SmdRefused("the signed mark's certificate cannot be read") from None


def _check_certificate(cert: x509.Certificate, trust: TmchTrust, now: datetime) -> None:
    try:
        cert.verify_directly_issued_by(trust.ca)
    except (ValueError, TypeError, InvalidSignature):
        raise SmdRefused("the signed mark's certificate is not issued by the TMCH CA") from None
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise SmdRefused("the signed mark's certificate is not valid now")
    if trust.crl is not None and \
            trust.crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
        raise SmdRefused("the signed mark's certificate has been revoked (TMCH CRL)")


def _read(signed: etree._Element) -> SignedMark:
    def when(name: str) -> datetime:
        return datetime.fromisoformat(signed.findtext(f"{{{SMD}}}{name}").strip())

    marks = signed.find(f"{{{MARK}}}mark")
    labels = frozenset((e.text or "").strip().lower() for e in marks.iter(f"{{{MARK}}}label"))
    names = tuple((e.text or "").strip() for e in marks.iter(f"{{{MARK}}}markName"))
    return SignedMark(signed.findtext(f"{{{SMD}}}id").strip(), when("notBefore"),
                      when("notAfter"), labels, names)


def load_ca(pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise ParameterSyntaxError("the TMCH CA is not a PEM certificate") from None


def load_crl(pem: str) -> x509.CertificateRevocationList:
    try:
        return x509.load_pem_x509_crl(pem.encode())
    except ValueError:
        raise ParameterSyntaxError("the TMCH CRL is not a PEM CRL") from None
