"""Writing PEM files: certificates world-readable, private keys 0600 from the first byte."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


@dataclass(frozen=True)
class CertFiles:
    """A certificate and its private key on disk."""

    cert: Path
    key: Path


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = _key_pem(key)
    # O_CREAT with 0600 so the key is never readable by others, even briefly; fchmod covers
    # a file that already existed with wider permissions.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, pem)
    finally:
        os.close(fd)


def write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def write_new(files: CertFiles, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
              ) -> None:
    """Create both files, never over an existing one (FileExistsError): a certificate
    already handed out is not lost by mistake. If either cannot be written, neither is."""
    written: list[Path] = []
    try:
        for path, data, mode in (
                (files.key, _key_pem(key), 0o600),
                (files.cert, cert.public_bytes(serialization.Encoding.PEM), 0o644)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            written.append(path)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def load(files: CertFiles) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{files.key}: expected an ECDSA private key")
    return cert, key
