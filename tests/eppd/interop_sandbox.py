"""A sandbox made the way an operator makes one (``pyrar init``), served by ``pyrar eppd`` in a
subprocess: what the interop, reference-frame, race and adversarial tests run against.

Clients get their settings from the sandbox's ``credentials.json`` like a registrar would; the
tests reach the database directly only for what stands in for time passing and for checking
money (``registry``).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from eppd_client import ClientCert, EppClient, client_context
from eppd_core_world import Epp
from eppd_servers import free_port, stop_process
from sqlalchemy import func, select

from registry.config import Config
from registry.models import Domain, LedgerEntry, Registrar
from registry.service import Registry
from tests.databases import database_url
from tests.eppd.server_log import ServerLog

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


@dataclass(frozen=True)
class Credentials:
    """One registrar's entry in ``credentials.json``."""

    clid: str
    password: str
    cert: Path
    key: Path
    ca: Path
    host: str
    port: int

    @property
    def client_cert(self) -> ClientCert:
        return ClientCert(self.cert, self.key)


@dataclass
class Sandbox(ServerLog):
    directory: Path
    config_path: Path
    process: subprocess.Popen
    log_path: Path
    registrars: dict[str, Credentials]
    registry: Registry
    check: Callable[[bytes], None]

    @property
    def clids(self) -> list[str]:
        return list(self.registrars)

    @property
    def port(self) -> int:
        return next(iter(self.registrars.values())).port

    def connect(self, clid: str | None, cert: ClientCert | None = None, **kwargs) -> Epp:
        """A TLS connection presenting ``clid``'s certificate (or ``cert``, or none)."""
        ca = next(iter(self.registrars.values())).ca
        if cert is None and clid is not None:
            cert = self.registrars[clid].client_cert
        kwargs.setdefault("check", self.check)
        return Epp(EppClient("127.0.0.1", self.port, client_context(ca, cert), **kwargs))

    def login(self, epp: Epp, clid: str, **kwargs) -> None:
        reply = epp.login(clid, self.registrars[clid].password, **kwargs)
        assert reply.code == 1000, reply

    @contextlib.contextmanager
    def session(self, clid: str, **kwargs) -> Iterator[Epp]:
        epp = self.connect(clid)
        try:
            self.login(epp, clid, **kwargs)
            yield epp
        finally:
            epp.close()

    def alive(self) -> bool:
        return self.process.poll() is None

    # Operator-side access

    def balance(self, clid: str) -> int:
        return self.registry.run(lambda ctx: ctx.session.scalar(
            select(Registrar.balance).where(Registrar.clid == clid)))

    def ledger_sum(self, clid: str) -> int:
        return self.registry.run(lambda ctx: ctx.session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .join(Registrar, Registrar.id == LedgerEntry.registrar_id)
            .where(Registrar.clid == clid)))

    def ledger(self, object_name: str) -> list[tuple[str, str, int]]:
        """(clid, kind, amount) of every ledger entry about ``object_name``."""
        rows = self.registry.run(lambda ctx: ctx.session.execute(
            select(Registrar.clid, LedgerEntry.kind, LedgerEntry.amount)
            .join(Registrar, Registrar.id == LedgerEntry.registrar_id)
            .where(LedgerEntry.object_name == object_name)
            .order_by(LedgerEntry.id)).all())
        return [tuple(row) for row in rows]

    def end_grace_periods(self, name: str) -> None:
        """Stands in for the grace periods running out (as eppd_core_world does)."""
        def work(ctx):
            domain = ctx.session.scalars(select(Domain).where(Domain.name == name)).one()
            domain.grace_periods.clear()
        self.registry.run(work)


@contextlib.contextmanager
def running_sandbox(directory: Path, check: Callable[[bytes], None], *,
                    dialect: str = "sqlite", tlds: tuple[str, ...] = ("example",),
                    registrars: int = 3, workers: int = 1,
                    settings: Mapping[str, object] | None = None) -> Iterator[Sandbox]:
    """``pyrar init`` then ``pyrar eppd --workers N``; ``settings`` become PYRAR_<TABLE>_<KEY>
    environment overrides of the sandbox's own configuration file."""
    directory.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYRAR_")}
    env["PYTHONPATH"] = str(REPO)
    with database_url(dialect, directory, "pyrar_eppd") as url:
        init = [sys.executable, "-m", "pyrar.cli.main", "init", str(directory / "sandbox"),
                "--db", url, "--registrars", str(registrars), "--epp-port", str(free_port()),
                "--dns-port", str(free_port()), "--pdns-api-port", str(free_port())]
        for tld in tlds:
            init += ["--tld", tld]
        subprocess.run(init, check=True, env=env, cwd=directory, capture_output=True,
                       timeout=60)
        config_path = directory / "sandbox" / "pyrar.toml"
        credentials = _credentials(directory / "sandbox" / "credentials.json")
        env.update({f"PYRAR_{key.upper()}": str(value)
                    for key, value in (settings or {}).items()})
        log_path = directory / "eppd.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "pyrar.cli.main", "--config", str(config_path),
                 "eppd", "--workers", str(workers)],
                cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT)
        registry = Registry.from_config(Config.load(config_path, environ={}))
        sandbox = Sandbox(directory, config_path, process, log_path, credentials, registry,
                          check)
        try:
            _wait_until_serving(sandbox)
            yield sandbox
        finally:
            stop_process(process)
            registry.close()


def _credentials(path: Path) -> dict[str, Credentials]:
    data = json.loads(path.read_text())
    return {
        entry["clid"]: Credentials(entry["clid"], entry["password"], Path(entry["cert"]),
                                   Path(entry["key"]), Path(entry["ca"]), entry["host"],
                                   int(entry["port"]))
        for entry in data["registrars"]
    }


def _wait_until_serving(sandbox: Sandbox, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not sandbox.alive():
            raise RuntimeError(f"pyrar eppd exited early:\n{sandbox.log_text()}")
        try:
            sandbox.connect(sandbox.clids[0], timeout=2.0).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"pyrar eppd did not start in {timeout} s:\n{sandbox.log_text()}")


