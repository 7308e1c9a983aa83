"""Client configurations for the eppd of tests/eppd/eppd_core_world.py, and a registrar
whose password needs loginSec."""

from __future__ import annotations

from pathlib import Path

from eppd_servers import PASSWORDS

from certs import fingerprint
from eppclient import RegistryConfig
from registry.admin.registrars import add_registrar
from registry.billing import credit
from registry.flows.context import Actor

REPO = Path(__file__).resolve().parents[2]
# RFC 8807: over 16 characters, so login must carry it in loginSec.
LONG_PASSWORD = "a-long-passphrase-for-loginSec-0123456789"


def client_config(world, clid: str = "reg1", **overrides) -> RegistryConfig:
    cert = world.pki.clients[clid]
    settings = {"name": "test-registry", "host": "127.0.0.1", "port": world.port,
                "ca": world.pki.ca, "cert": cert.cert, "key": cert.key, "clid": clid,
                "password": PASSWORDS.get(clid, LONG_PASSWORD), "tls_name": "localhost",
                "currency": "USD", "command_timeout": 30.0, "connect_timeout": 30.0,
                "acquire_timeout": 60.0, "backoff_initial": 0.05, "backoff_max": 0.5,
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
