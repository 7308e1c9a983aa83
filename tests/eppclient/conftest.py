"""Fixtures: a sandbox PKI and ``pyrar eppd`` on the real registry core (the same world the
eppd core tests use, tests/eppd/eppd_core_world.py), and client configurations for it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
# The eppd test helpers import each other by module name (tests/eppd is on sys.path when
# its own conftest runs); the repo root first keeps ``eppd`` the real package.
for path in (str(REPO / "tests" / "eppd"), str(REPO)):
    if path not in sys.path:
        sys.path.insert(0, path)

from eppd_client import ClientCert  # noqa: E402
from eppd_servers import PASSWORDS, Pki  # noqa: E402

from certs import build_sandbox_certs, fingerprint  # noqa: E402
from eppclient import RegistryConfig  # noqa: E402
from eppd.parsing import parse_frame  # noqa: E402
from eppd.validation import EppValidator  # noqa: E402
from registry.admin.registrars import add_registrar  # noqa: E402
from registry.billing import credit  # noqa: E402
from registry.flows.context import Actor  # noqa: E402

# RFC 8807: over 16 characters, so login must carry it in loginSec.
LONG_PASSWORD = "a-long-passphrase-for-loginSec-0123456789"
REFERENCE_XSD = REPO / ".." / "shared" / "reference" / "epp" / "xsd"


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    sandbox = build_sandbox_certs(tmp_path_factory.mktemp("pki") / "certs",
                                  [*PASSWORDS, "reg3"])
    return Pki(ca=sandbox.ca.cert,
               clients={clid: ClientCert(f.cert, f.key) for clid, f in sandbox.clients.items()},
               untrusted=ClientCert(sandbox.clients["reg1"].cert, sandbox.clients["reg1"].key))


@pytest.fixture(scope="session")
def schema_check() -> Callable[[bytes], None]:
    validator = EppValidator()
    return lambda frame: validator.validate(parse_frame(frame))


def client_config(world, clid: str = "reg1", **overrides) -> RegistryConfig:
    cert = world.pki.clients[clid]
    settings = {"name": "test-registry", "host": "127.0.0.1", "port": world.port,
                "ca": world.pki.ca, "cert": cert.cert, "key": cert.key, "clid": clid,
                "password": PASSWORDS.get(clid, LONG_PASSWORD), "tls_name": "localhost",
                "currency": "USD", "command_timeout": 10.0, "connect_timeout": 10.0,
                "acquire_timeout": 15.0, "backoff_initial": 0.05, "backoff_max": 0.5,
                **overrides}
    return RegistryConfig(**settings)


def add_long_password_registrar(world) -> None:
    """reg3, whose password only fits in loginSec."""
    cert = world.pki.clients["reg3"].cert.read_bytes()

    def work(ctx):
        registrar = add_registrar(ctx, "reg3", password=LONG_PASSWORD, credit_limit=0,
                                  fingerprints=(fingerprint(cert),))
        credit(ctx, registrar.id, 100_000, "payment", None, "test funds")
    world.registry.run(work, Actor.operator("test"))
