"""Development certificate authority: CA, server and registrar client certificates."""

from certs.authority import create_ca, issue_client_cert, issue_server_cert
from certs.files import CertFiles
from certs.fingerprint import fingerprint, fingerprint_der
from certs.sandbox import SandboxCerts, build_sandbox_certs

__all__ = [
    "CertFiles",
    "SandboxCerts",
    "build_sandbox_certs",
    "create_ca",
    "fingerprint",
    "fingerprint_der",
    "issue_client_cert",
    "issue_server_cert",
]
