"""A certificate authority: the development CA, a server certificate, registrar client certs;
and issuing client certificates from an operator's own CA (``load_authority``)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certs.files import CertFiles, load, write_cert, write_key

CA_DAYS = 3650
LEAF_DAYS = 825
# Issued an hour in the past so a peer whose clock runs slightly behind still accepts it.
BACKDATE = timedelta(hours=1)
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
# A clid becomes a file name; clIDType allows any token, so refuse what a path cannot hold.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class AuthorityError(ValueError):
    """The CA's files cannot issue certificates; the message says which file and why."""


@dataclass(frozen=True)
class Authority:
    """A CA that can sign: its certificate and its private key."""

    cert: x509.Certificate
    key: SigningKey


@dataclass(frozen=True)
class Issued:
    """A certificate just signed, with its new private key (not written anywhere yet)."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


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
    issued = client_certificate(Authority(*load(ca)), clid, days)
    return _write(directory, clid, issued.cert, issued.key)


def client_certificate(authority: Authority, clid: str, days: int = LEAF_DAYS) -> Issued:
    """A TLS client certificate for registrar ``clid``, signed by ``authority``."""
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "PyRar registrar"),
        x509.NameAttribute(NameOID.COMMON_NAME, clid),
    ])
    return _sign(authority, subject, days, [
        (_key_usage(digital_signature=True), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
    ])


def load_authority(files: CertFiles) -> Authority:
    """The CA in ``files``, checked able to sign certificates its clients will accept: its
    key unencrypted and matching it, a CA certificate that has not expired."""
    try:
        cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    except OSError as e:
        raise AuthorityError(f"CA certificate {files.cert}: {e.strerror or e}") from None
    except ValueError:
        raise AuthorityError(f"{files.cert} is not a PEM certificate") from None
    try:
        key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
    except OSError as e:
        raise AuthorityError(f"CA key {files.key}: {e.strerror or e}") from None
    except TypeError:  # what cryptography raises for a key that needs a password
        raise AuthorityError(f"CA key {files.key} is encrypted; give an unencrypted copy "
                             "(kept only where this command runs)") from None
    except (ValueError, UnsupportedAlgorithm):
        raise AuthorityError(f"{files.key} is not a PEM private key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise AuthorityError(f"CA key {files.key}: only EC and RSA keys can sign here")
    if _spki(key.public_key()) != _spki(cert.public_key()):
        raise AuthorityError(f"{files.key} is not the key of the CA certificate {files.cert}")
    if not _may_sign_certificates(cert):
        raise AuthorityError(f"{files.cert} is not a CA certificate (no CA basic constraint "
                             "or key usage keyCertSign)")
    if cert.not_valid_after_utc <= datetime.now(UTC):
        raise AuthorityError(f"the CA certificate {files.cert} expired on "
                             f"{cert.not_valid_after_utc:%Y-%m-%d}")
    return Authority(cert, key)


def _spki(public_key: object) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER,  # type: ignore[attr-defined]
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def _may_sign_certificates(cert: x509.Certificate) -> bool:
    try:
        if not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            return False
    except x509.ExtensionNotFound:
        return False
    try:
        return cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    except x509.ExtensionNotFound:
        return True  # no key usage: any use is allowed


def check_file_stem(name: str) -> None:
    if not SAFE_NAME.match(name):
        raise ValueError(f"{name!r} cannot be used as a certificate file name")


def _issue(ca: CertFiles, directory: Path, stem: str, subject: x509.Name, days: int,
           extensions: list[tuple[x509.ExtensionType, bool]]) -> CertFiles:
    issued = _sign(Authority(*load(ca)), subject, days, extensions)
    return _write(directory, stem, issued.cert, issued.key)


def _sign(authority: Authority, subject: x509.Name, days: int,
          extensions: list[tuple[x509.ExtensionType, bool]]) -> Issued:
    ca_cert, ca_key = authority.cert, authority.key
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
    return Issued(builder.sign(ca_key, hashes.SHA256()), key)


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
