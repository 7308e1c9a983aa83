"""Starting eppd with the toy backend in a subprocess, and the PKI the tests use."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eppd_client import ClientCert, EppClient, client_context

from certs import fingerprint
from tests.eppd.server_log import ServerLog

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PASSWORDS = {"reg1": "secret-one", "reg2": "secret-two"}
MAX_FRAME = 65536


@dataclass(frozen=True)
class Pki:
    ca: Path
    clients: dict[str, ClientCert]
    untrusted: ClientCert  # "reg1" again, but signed by a CA the server does not trust


@dataclass
class RunningServer(ServerLog):
    port: int
    process: subprocess.Popen
    log_path: Path
    pki: Pki
    check: Callable[[bytes], None] | None = None
    host: str = "127.0.0.1"

    def connect(self, clid: str | None = "reg1", **kwargs) -> EppClient:
        cert = self.pki.clients[clid] if clid else None
        kwargs.setdefault("check", self.check)
        return EppClient(self.host, self.port, client_context(self.pki.ca, cert), **kwargs)

    def logged_in(self, clid: str = "reg1") -> EppClient:
        from eppd_client import login, result_code

        client = self.connect(clid)
        assert result_code(client.request(login(clid, PASSWORDS[clid]))) == 1000
        return client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(directory: Path, pki: Pki, check: Callable[[bytes], None] | None = None,
                 workers: int = 1, **eppd: object) -> RunningServer:
    directory.mkdir(parents=True, exist_ok=True)
    registrars = {
        clid: {"password": PASSWORDS[clid],
               "fingerprint": fingerprint(cert.cert.read_bytes())}
        for clid, cert in pki.clients.items()
    }
    (directory / "registrars.json").write_text(json.dumps(registrars))
    port = free_port()
    certs_dir = pki.ca.parent
    settings = {
        "host": "127.0.0.1", "port": port, "cert": str(certs_dir / "server.pem"),
        "key": str(certs_dir / "server.key"), "ca": str(pki.ca), **eppd,
    }
    config = directory / "pyrar.toml"
    config.write_text(
        '[registry]\nserver_id = "PyRar test server"\n\n[database]\npool_size = 4\n\n'
        f"[toy_backend]\nregistrars = {json.dumps(str(directory / 'registrars.json'))}\n\n"
        "[eppd]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in settings.items()))
    log_path = directory / "eppd.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYRAR_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(HERE)])
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(HERE / "run_toy_server.py"), str(config), str(workers)],
            cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = RunningServer(port=port, process=process, log_path=log_path, pki=pki, check=check)
    _wait_until_serving(server)
    return server


def stop_server(server: RunningServer) -> None:
    stop_process(server.process)


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM, as an operator would; SIGKILL if it has not stopped 15 s later."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_serving(server: RunningServer, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"eppd exited early:\n{server.log_text()}")
        try:
            with server.connect(timeout=2.0):
                return
        except OSError:
            time.sleep(0.1)
    stop_server(server)
    raise RuntimeError(f"eppd did not start in {timeout} s:\n{server.log_text()}")


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value))
