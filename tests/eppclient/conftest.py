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

from certs import build_sandbox_certs  # noqa: E402
from eppd.parsing import parse_frame  # noqa: E402
from eppd.validation import EppValidator  # noqa: E402


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    sandbox = build_sandbox_certs(tmp_path_factory.mktemp("pki") / "certs",
                                  [*PASSWORDS, "reg3"])
    clients = {clid: ClientCert(f.cert, f.key) for clid, f in sandbox.clients.items()}
    return Pki(ca=sandbox.ca.cert, clients=clients, untrusted=clients["reg3"])  # unused here


@pytest.fixture(scope="session")
def schema_check() -> Callable[[bytes], None]:
    validator = EppValidator()
    return lambda frame: validator.validate(parse_frame(frame))
