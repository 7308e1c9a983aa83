"""Fixtures: a sandbox CA and eppd (toy backend) in subprocesses on free loopback ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from eppd_client import ClientCert
from eppd_servers import MAX_FRAME, PASSWORDS, Pki, RunningServer, start_server, stop_server

from certs import build_sandbox_certs, create_ca, issue_client_cert
from eppd.parsing import parse_frame
from eppd.validation import EppValidator


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    base = tmp_path_factory.mktemp("pki")
    sandbox = build_sandbox_certs(base / "certs", list(PASSWORDS))
    other_ca = create_ca(base / "other", common_name="Not the registry's CA")
    stranger = issue_client_cert(other_ca, base / "other", "reg1")
    return Pki(
        ca=sandbox.ca.cert,
        clients={clid: ClientCert(f.cert, f.key) for clid, f in sandbox.clients.items()},
        untrusted=ClientCert(stranger.cert, stranger.key),
    )


@pytest.fixture(scope="session")
def schema_check() -> Callable[[bytes], None]:
    """Fails the test on any server frame that is not valid against our schemas."""
    validator = EppValidator()

    def check(frame: bytes) -> None:
        validator.validate(parse_frame(frame))

    return check


@pytest.fixture(scope="module")
def server(tmp_path_factory, pki, schema_check) -> Iterator[RunningServer]:
    """A long-idle-timeout server with frame logging, small frames, 3 sessions a registrar."""
    running = start_server(tmp_path_factory.mktemp("eppd"), pki, schema_check, idle_timeout=60,
                           max_frame_bytes=MAX_FRAME, log_frames=True,
                           max_sessions_per_registrar=3)
    yield running
    stop_server(running)



# Sessions on the module's ``world`` (tests/eppd/eppd_core_world.py), open for the module.

@pytest.fixture(scope="module")
def reg1(world):
    with world.session("reg1") as epp:
        yield epp


@pytest.fixture(scope="module")
def reg2(world):
    with world.session("reg2") as epp:
        yield epp
