"""A local CA for PayPal's webhook signatures (cryptography): a root, an intermediate and a
leaf named as PayPal's message-verification certificate, to sign webhooks as PayPal does."""

from __future__ import annotations

import base64
import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from registrar.payments.paypal import signed_message

CERT_URL = "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-test"
COMMON_NAME = "messageverificationcerts.paypal.com"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key, issuer: str, issuer_key, *, ca: bool, start: datetime,
          days: int = 365) -> x509.Certificate:
    return (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(issuer_key, hashes.SHA256()))


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class PayPalCA:
    root: x509.Certificate
    intermediate: x509.Certificate
    leaf: x509.Certificate
    leaf_key: rsa.RSAPrivateKey
    root_key: rsa.RSAPrivateKey

    @classmethod
    def make(cls, common_name: str = COMMON_NAME, start: datetime | None = None,
             days: int = 365) -> PayPalCA:
        start = start or datetime.now(UTC) - timedelta(days=1)
        root_key, mid_key, leaf_key = _key(), _key(), _key()
        root = _cert("Test Root CA", root_key, "Test Root CA", root_key, ca=True, start=start,
                     days=3650)
        mid = _cert("Test Intermediate CA", mid_key, "Test Root CA", root_key, ca=True,
                    start=start, days=3650)
        leaf = _cert(common_name, leaf_key, "Test Intermediate CA", mid_key, ca=False,
                     start=start, days=days)
        return cls(root, mid, leaf, leaf_key, root_key)

    def chain_pem(self) -> bytes:
        return b"".join(c.public_bytes(serialization.Encoding.PEM)
                        for c in (self.leaf, self.intermediate))

    def headers(self, body: bytes, webhook_id: str, *, when: datetime | None = None,
                transmission_id: str = "b2384410-f8d2-11ef-9b9f-test",
                cert_url: str = CERT_URL) -> dict[str, str]:
        when = when or datetime.now(UTC)
        ttime = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        sig = self.leaf_key.sign(signed_message(transmission_id, ttime, webhook_id, body),
                                 padding.PKCS1v15(), hashes.SHA256())
        return {"PAYPAL-TRANSMISSION-ID": transmission_id, "PAYPAL-TRANSMISSION-TIME": ttime,
                "PAYPAL-TRANSMISSION-SIG": base64.b64encode(sig).decode(),
                "PAYPAL-CERT-URL": cert_url, "PAYPAL-AUTH-ALGO": "SHA256withRSA"}

    def write_root(self, path) -> None:
        path.write_bytes(self.root.public_bytes(serialization.Encoding.PEM))

    def loopback_tls(self, directory) -> ssl.SSLContext:
        """A server context for 127.0.0.1 with a certificate from this CA's root: a local
        PayPal that serves its certificates over https."""
        key = _key()
        start = self.root.not_valid_before_utc
        cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1"))
                .issuer_name(self.root.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(start)
                .not_valid_after(start + timedelta(days=3650))
                .add_extension(x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                               critical=False)
                .sign(self.root_key, hashes.SHA256()))
        (directory / "tls.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (directory / "tls.key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(directory / "tls.pem", directory / "tls.key")
        return context
