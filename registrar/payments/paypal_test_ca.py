"""A test CA standing in for PayPal's webhook signatures: a root, an intermediate and a leaf
named as PayPal's message-verification certificate (RSA, as PayPal's SHA256withRSA needs),
and the signer of webhooks as PayPal signs them. ``pyrar init`` makes one for the sandbox's
test-mode PayPal (its root trusted, its chain read from a file instead of fetched: see
docs/payments.md); the tests make theirs. Never trusted outside test mode."""

from __future__ import annotations

import base64
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from .paypal import ALGORITHM, signed_message

COMMON_NAME = "messageverificationcerts.paypal.com"
# a URL the default cert_hosts allow; in test mode the chain comes from cert_file instead
SANDBOX_CERT_URL = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-pyrar-sandbox"


def name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _cert(subject: str, key, issuer: str, issuer_key, *, ca: bool, start: datetime,
          days: int) -> x509.Certificate:
    return (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(issuer_key, hashes.SHA256()))


@dataclass
class PayPalTestCA:
    root: x509.Certificate
    intermediate: x509.Certificate
    leaf: x509.Certificate
    leaf_key: rsa.RSAPrivateKey
    root_key: rsa.RSAPrivateKey

    @classmethod
    def make(cls, common_name: str = COMMON_NAME, start: datetime | None = None,
             days: int = 365):
        start = start or datetime.now(UTC) - timedelta(days=1)
        root_key, mid_key, leaf_key = new_key(), new_key(), new_key()
        root = _cert("PyRar test PayPal root", root_key, "PyRar test PayPal root", root_key,
                     ca=True, start=start, days=max(days, 3650))
        mid = _cert("PyRar test PayPal intermediate", mid_key, "PyRar test PayPal root",
                    root_key, ca=True, start=start, days=max(days, 3650))
        leaf = _cert(common_name, leaf_key, "PyRar test PayPal intermediate", mid_key,
                     ca=False, start=start, days=days)
        return cls(root, mid, leaf, leaf_key, root_key)

    def chain_pem(self) -> bytes:
        """What PAYPAL-CERT-URL serves: the leaf, then its issuer."""
        return b"".join(c.public_bytes(serialization.Encoding.PEM)
                        for c in (self.leaf, self.intermediate))

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    def leaf_key_pem(self) -> bytes:
        return self.leaf_key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption())

    def write_root(self, path: Path) -> None:
        Path(path).write_bytes(self.root_pem())

    def write_files(self, directory: Path) -> tuple[Path, Path, Path]:
        """The root (``ca_file``), the chain (``cert_file``) and the leaf's key (what signs
        test events; readable by the owner only): their paths."""
        directory.mkdir(parents=True, exist_ok=True)
        root, chain, key = (directory / "paypal-test-root.pem",
                            directory / "paypal-test-chain.pem",
                            directory / "paypal-test-key.pem")
        root.write_bytes(self.root_pem())
        chain.write_bytes(self.chain_pem())
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(self.leaf_key_pem())
        return root, chain, key

    def headers(self, body: bytes, webhook_id: str, *, when: datetime | None = None,
                transmission_id: str = "b2384410-f8d2-11ef-9b9f-test",
                cert_url: str = SANDBOX_CERT_URL) -> dict[str, str]:
        return signed_headers(self.leaf_key, body, webhook_id, cert_url, when=when,
                              transmission_id=transmission_id)


def signed_headers(key: rsa.RSAPrivateKey | bytes, body: bytes, webhook_id: str,
                   cert_url: str = SANDBOX_CERT_URL, *, when: datetime | None = None,
                   transmission_id: str | None = None) -> dict[str, str]:
    """The headers PayPal sends with ``body``, signed with ``key`` (a key object, or its
    PEM: the sandbox's ``payments/paypal-test-key.pem``)."""
    if isinstance(key, bytes):
        key = serialization.load_pem_private_key(key, password=None)
    when = when or datetime.now(UTC)
    transmission_id = transmission_id or str(uuid.uuid4())
    ttime = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    sig = key.sign(signed_message(transmission_id, ttime, webhook_id, body),
                   padding.PKCS1v15(), hashes.SHA256())
    return {"PAYPAL-TRANSMISSION-ID": transmission_id, "PAYPAL-TRANSMISSION-TIME": ttime,
            "PAYPAL-TRANSMISSION-SIG": base64.b64encode(sig).decode(),
            "PAYPAL-CERT-URL": cert_url, "PAYPAL-AUTH-ALGO": ALGORITHM}
