"""``pyrar registrar cert CLID``: a client certificate from the CA eppd trusts, recorded on
the registrar, that logs in over real EPP TLS; and every refusal leaves nothing behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from certs.fingerprint import fingerprint
from pyrar.readiness import NOTIFY_SOCKET, ReadyInbox
from registry.models import Registrar
from tests.cli_outcomes import (
    Sandbox,
    clear_pyrar_environment,
    files_of,
    in_process,
    initial_sandbox,
)
from tests.eppd.eppd_client import ClientCert, Closed, EppClient, client_context, login, result_code
from tests.zonegen.zonegen_helpers import free_port

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    clear_pyrar_environment(monkeypatch)


@pytest.fixture
def pyrar(capsys):
    return in_process(capsys)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return initial_sandbox(tmp_path_factory)


@pytest.fixture
def sandbox(template, tmp_path, pyrar) -> Sandbox:
    return Sandbox.copy_of(template, tmp_path, pyrar)


@pytest.fixture
def out(tmp_path) -> Path:
    directory = tmp_path / "issued"
    directory.mkdir()
    return directory


def fingerprints(sandbox: Sandbox, clid: str) -> tuple[str | None, str | None]:
    registry = sandbox.registry()
    try:
        r = registry.run(lambda ctx: ctx.session.scalars(
            select(Registrar).where(Registrar.clid == clid)).one())
    finally:
        registry.close()
    return r.cert_fingerprint, r.cert_fingerprint_failover


@contextlib.contextmanager
def eppd(sandbox: Sandbox, log: Path) -> Iterator[int]:
    """``pyrar eppd`` on the sandbox, on a free port; yields the port once it reports that it
    serves (the notify protocol ``pyrar serve`` uses)."""
    port = free_port()
    inbox = ReadyInbox(["eppd"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYRAR_")}
    env.update(PYTHONPATH=str(REPO), PYRAR_EPPD_PORT=str(port),
               **{NOTIFY_SOCKET: inbox.address("eppd")})
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "pyrar.cli.main", "--config", str(sandbox.config), "eppd",
             "--workers", "1"], env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not inbox.wait(0.5):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"eppd not ready:\n{log.read_text()}"
        yield port
    finally:
        inbox.close()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def epp_login(port: int, ca: Path, cert: ClientCert, clid: str, password: str) -> int:
    """The result code of a login over TLS with ``cert`` (0: the server closed instead)."""
    with EppClient("127.0.0.1", port, client_context(ca, cert), timeout=10.0) as client:
        assert b"<greeting>" in client.greeting
        try:
            return result_code(client.request(login(clid, password)))
        except (Closed, OSError):
            return 0


def test_issued_certificate_is_recorded_and_logs_in_over_epp(sandbox, out, tmp_path):
    printed = sandbox.ok("registrar", "cert", "registrar1", "--out", out, "--days", "30")
    cert_path, key_path = out / "registrar1.pem", out / "registrar1.key"
    assert key_path.stat().st_mode & 0o077 == 0
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    ca_path = sandbox.directory / "certs" / "ca.pem"
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_path.read_bytes()))
    assert cert.not_valid_after_utc <= datetime.now(UTC) + timedelta(days=30)
    new = fingerprint(cert_path.read_bytes())
    assert fingerprints(sandbox, "registrar1") == (new, None)
    assert printed.splitlines() == [
        f"registrar registrar1: certificate {cert_path}, key {key_path} (valid until "
        f"{cert.not_valid_after_utc:%Y-%m-%d}); give them with the CA {ca_path}",
        f"fingerprint {new} recorded as its only certificate; the one(s) it had no longer "
        "log in"]

    credentials = json.loads((sandbox.directory / "credentials.json").read_text())
    entry = credentials["registrars"][0]
    old = ClientCert(sandbox.directory / "certs" / "registrar1.pem",
                     sandbox.directory / "certs" / "registrar1.key")
    with eppd(sandbox, tmp_path / "eppd.log") as port:
        issued = ClientCert(cert_path, key_path)
        assert epp_login(port, ca_path, issued, "registrar1", entry["password"]) == 1000
        # the certificate it had before is no longer registrar1's
        assert epp_login(port, ca_path, old, "registrar1", entry["password"]) in (0, 2200, 2501)


def test_failover_keeps_the_primary_certificate(sandbox, out):
    primary, _ = fingerprints(sandbox, "registrar2")
    printed = sandbox.ok("registrar", "cert", "registrar2", "--out", out, "--failover")
    new = fingerprint((out / "registrar2.pem").read_bytes())
    assert fingerprints(sandbox, "registrar2") == (primary, new)
    assert printed.endswith(f"fingerprint {new} recorded as its failover certificate; the "
                            "primary one stays\n")


def test_refusals_write_nothing(sandbox, out):
    (out / "registrar1.pem").write_text("handed out last year\n")
    before = files_of(out)
    for args, says in [
        (("registrar1",), f"{out / 'registrar1.pem'} exists; nothing written"),
        (("nobody",), "registrar nobody does not exist"),
        (("../up",), "cannot be used as a certificate file name"),
        (("registrar2", "--days", "0"), "argument --days: must be a whole number from 1 to 825"),
        (("registrar2", "--days", "826"), "from 1 to 825, not '826'"),
    ]:
        line = sandbox.fails("registrar", "cert", *args, "--out", out)
        assert says in line, line
        assert files_of(out) == before
    line = sandbox.fails("registrar", "cert", "registrar2", "--out", out / "registrar1.pem")
    assert line.endswith("is not a directory")


def configured(sandbox: Sandbox, ca_section: str) -> None:
    text = sandbox.config.read_text()
    start = text.index("[ca]\n")
    end = text.index("[powerdns]")
    sandbox.config.write_text(text[:start] + ca_section + text[end:])


@pytest.mark.parametrize(("section", "says"), [
    ("", "no CA key configured: set [ca] key in "),
    ('[ca]\nkey = "certs/server.key"\n\n', "is not the key of the CA certificate"),
    ('[ca]\nkey = "certs/nothing.key"\n\n', "CA key "),
    ('[ca]\nkey = "certs/ca.pem"\n\n', "is not a PEM private key"),
    ('[ca]\nkey = "certs/encrypted.key"\n\n', "is encrypted"),
])
def test_unusable_ca_key_is_refused(sandbox, out, section, says):
    key = serialization.load_pem_private_key(
        (sandbox.directory / "certs" / "ca.key").read_bytes(), password=None)
    (sandbox.directory / "certs" / "encrypted.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"a passphrase")))
    configured(sandbox, section)
    line = sandbox.fails("registrar", "cert", "registrar1", "--out", out)
    assert says in line, line
    assert list(out.iterdir()) == []
