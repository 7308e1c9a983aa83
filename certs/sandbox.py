"""The certificate set a sandbox needs: ``DIR/certs/`` as written by ``pyrar init DIR``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from certs.authority import (
    check_file_stem,
    create_ca,
    issue_client_cert,
    issue_server_cert,
)
from certs.files import CertFiles


@dataclass(frozen=True)
class SandboxCerts:
    """Paths of the CA, the server certificate and one client certificate per clid."""

    directory: Path
    ca: CertFiles
    server: CertFiles
    clients: Mapping[str, CertFiles] = field(default_factory=dict)


def build_sandbox_certs(directory: Path, clids: Iterable[str],
                        server_names: Iterable[str] = ()) -> SandboxCerts:
    """Create what is missing in ``directory``; existing files are kept, so re-running is safe.

    Keeping an existing CA matters: registrars' stored fingerprints and any client already
    configured with ``ca.pem`` stay valid when ``pyrar init`` runs again with a new clid.
    """
    directory = Path(directory)
    clids = list(clids)
    for clid in clids:
        check_file_stem(clid)
        if clid in ("ca", "server"):
            raise ValueError(f"clid {clid!r} would overwrite the {clid} certificate")
    ca = _existing(directory, "ca") or create_ca(directory)
    server = _existing(directory, "server") or issue_server_cert(ca, directory, server_names)
    clients = {
        clid: _existing(directory, clid) or issue_client_cert(ca, directory, clid)
        for clid in clids
    }
    return SandboxCerts(directory=directory, ca=ca, server=server, clients=clients)


def _existing(directory: Path, stem: str) -> CertFiles | None:
    files = CertFiles(cert=directory / f"{stem}.pem", key=directory / f"{stem}.key")
    return files if files.cert.exists() and files.key.exists() else None
