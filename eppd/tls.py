"""The server's TLS context: TLS 1.2/1.3, RFC 9325 ciphers, a verified client certificate."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL
from twisted.internet.interfaces import IOpenSSLServerConnectionCreator
from zope.interface import implementer

from certs.fingerprint import fingerprint_der

# RFC 9325 section 4.2 recommended suites (and the ChaCha20 alternatives it allows) for TLS 1.2:
# forward secrecy by ECDHE, AEAD only. TLS 1.3 suites are all AEAD; OpenSSL's defaults stand.
TLS12_CIPHERS = ":".join([
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-RSA-CHACHA20-POLY1305",
])
SESSION_ID_CONTEXT = b"pyrar-eppd"


class NoPeerCertificate(Exception):
    """The handshake finished without a client certificate (the context forbids that)."""


def build_server_context(cert: Path, key: Path, ca: Path) -> SSL.Context:
    """A context that refuses TLS < 1.2 and any client without a certificate from ``ca``."""
    ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
    ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
    ctx.set_max_proto_version(SSL.TLS1_3_VERSION)
    ctx.set_cipher_list(TLS12_CIPHERS.encode())
    ctx.set_options(SSL.OP_NO_COMPRESSION | SSL.OP_NO_RENEGOTIATION
                    | SSL.OP_CIPHER_SERVER_PREFERENCE)
    ctx.use_certificate_chain_file(str(cert))
    ctx.use_privatekey_file(str(key))
    ctx.check_privatekey()
    ctx.load_verify_locations(str(ca))
    # Tell clients which CA we accept so one holding several certificates picks the right one.
    ctx.load_client_ca(str(ca).encode())
    ctx.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT)
    # Resumed sessions keep the verified peer certificate; the id context makes resumption legal
    # with client authentication.
    ctx.set_session_id(SESSION_ID_CONTEXT)
    return ctx


@implementer(IOpenSSLServerConnectionCreator)
class ServerTLS:
    """One context for the whole process, one SSL.Connection per accepted socket."""

    def __init__(self, cert: Path, key: Path, ca: Path) -> None:
        self.context = build_server_context(cert, key, ca)

    def serverConnectionForTLS(self, tlsProtocol: object) -> SSL.Connection:
        return SSL.Connection(self.context, None)


def peer_fingerprint(tls_connection: SSL.Connection) -> str:
    """The verified client certificate's fingerprint, in ``certs.fingerprint`` format."""
    cert = tls_connection.get_peer_certificate(as_cryptography=True)
    if cert is None:
        raise NoPeerCertificate()
    return fingerprint_der(cert.public_bytes(Encoding.DER))
