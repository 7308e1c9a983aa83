"""A development certificate authority: the CA, a server certificate, registrar client certs."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certs.files import CertFiles, load, write_cert, write_key

CA_DAYS = 3650
LEAF_DAYS = 825
# Issued an hour in the past so a peer whose clock runs slightly behind still accepts it.
BACKDATE = timedelta(hours=1)
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
# A clid becomes a file name; clIDType allows any token, so refuse what a path cannot hold.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def create_ca(directory: Path, common_name: str = "PyRar development CA",
              days: int = CA_DAYS, stem: str = "ca") -> CertFiles:
    """Write a self-signed CA (``<stem>.pem``, ``<stem>.key``) into ``directory``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "PyRar"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    now = datetime.now(UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(digital_signature=True, cert_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _write(directory, stem, cert, key)


def issue_server_cert(ca: CertFiles, directory: Path, names: Iterable[str] = (),
                      stem: str = "server", days: int = LEAF_DAYS) -> CertFiles:
    """A TLS server certificate for loopback plus ``names`` (DNS names or IP literals)."""
    all_names = list(dict.fromkeys([*LOOPBACK_NAMES, *names]))
    san = x509.SubjectAlternativeName([_general_name(n) for n in all_names])
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "PyRar"),
        x509.NameAttribute(NameOID.COMMON_NAME, next(n for n in all_names if not _is_ip(n))),
    ])
    return _issue(ca, directory, stem, subject, days, [
        (san, False),
        (_key_usage(digital_signature=True), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
    ])


def issue_client_cert(ca: CertFiles, directory: Path, clid: str,
                      days: int = LEAF_DAYS) -> CertFiles:
    """A TLS client certificate for registrar ``clid`` (``<clid>.pem``, ``<clid>.key``)."""
    check_file_stem(clid)
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "PyRar registrar"),
        x509.NameAttribute(NameOID.COMMON_NAME, clid),
    ])
    return _issue(ca, directory, clid, subject, days, [
        (_key_usage(digital_signature=True), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
    ])


def check_file_stem(name: str) -> None:
    if not SAFE_NAME.match(name):
        raise ValueError(f"{name!r} cannot be used as a certificate file name")


def _issue(ca: CertFiles, directory: Path, stem: str, subject: x509.Name, days: int,
           extensions: list[tuple[x509.ExtensionType, bool]]) -> CertFiles:
    ca_cert, ca_key = load(ca)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    not_after = min(now + timedelta(days=days), ca_cert.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return _write(directory, stem, builder.sign(ca_key, hashes.SHA256()), key)


def _write(directory: Path, stem: str, cert: x509.Certificate,
           key: ec.EllipticCurvePrivateKey) -> CertFiles:
    directory.mkdir(parents=True, exist_ok=True)
    files = CertFiles(cert=directory / f"{stem}.pem", key=directory / f"{stem}.key")
    write_key(files.key, key)
    write_cert(files.cert, cert)
    return files


def _key_usage(digital_signature: bool = False, cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign,
        crl_sign=cert_sign, encipher_only=False, decipher_only=False)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _general_name(name: str) -> x509.GeneralName:
    if _is_ip(name):
        return x509.IPAddress(ipaddress.ip_address(name))
    return x509.DNSName(name)
