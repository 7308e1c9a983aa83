"""Certificate fingerprints in the one format the registry stores for registrars."""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding


def fingerprint_der(der: bytes) -> str:
    """SHA-256 of a DER certificate as 64 lowercase hex characters."""
    return hashlib.sha256(der).hexdigest()


def fingerprint(pem: bytes) -> str:
    """SHA-256 of the (first) certificate in ``pem``, as 64 lowercase hex characters."""
    cert = x509.load_pem_x509_certificate(pem)
    return fingerprint_der(cert.public_bytes(Encoding.DER))
