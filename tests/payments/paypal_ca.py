"""The PayPal test CA (registrar.payments.paypal_test_ca) as the tests use it: signing for
PayPal's production certificate URL by default, and a TLS server context for a local PayPal
that serves its certificates over https."""

from __future__ import annotations

import ipaddress
import ssl
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from registrar.payments.paypal_test_ca import PayPalTestCA, name, new_key

CERT_URL = "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-test"


class PayPalCA(PayPalTestCA):
    def headers(self, body: bytes, webhook_id: str, *, when: datetime | None = None,
                transmission_id: str = "b2384410-f8d2-11ef-9b9f-test",
                cert_url: str = CERT_URL) -> dict[str, str]:
        return super().headers(body, webhook_id, when=when, transmission_id=transmission_id,
                               cert_url=cert_url)

    def loopback_tls(self, directory) -> ssl.SSLContext:
        """A server context for 127.0.0.1 with a certificate from this CA's root: a local
        PayPal that serves its certificates over https."""
        key = new_key()
        start = self.root.not_valid_before_utc
        cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1"))
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
