"""``pyrar serve`` announces the installation only once every component has reported that it
serves (the notify protocol, ``pyrar.readiness``), not when a port is merely bound; then it
tells whoever started it (systemd) the same. Stand-in components (``serve_standins``) let
the test decide when each one is ready."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pyrar.readiness import NOTIFY_SOCKET, ReadyInbox
from pyrar.serve_endpoints import Endpoint, listening
from tests.zonegen.zonegen_helpers import free_port

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0
BANNER = "PyRar is running"


def wait_for(what: str, check: Callable[[], object], log: Callable[[], str]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {TIMEOUT:.0f} s\n{log()}")
        time.sleep(0.1)


def test_banner_waits_for_every_component_to_report_ready(tmp_path):
    port, gate, log_path = free_port(), tmp_path / "gate", tmp_path / "serve.log"
    endpoint = Endpoint("EPP", "127.0.0.1", port, "", "")
    systemd = ReadyInbox(["serve"])  # what a Type=notify unit would hear
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYRAR_")}
    env.update(PYTHONPATH=str(REPO), **{NOTIFY_SOCKET: systemd.address("serve")})
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.core.serve_standins", "serve", str(tmp_path),
             str(port), str(gate)], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def text() -> str:
        return log_path.read_text(errors="replace")

    try:
        # quick reports once slow's port accepts connections: serve has heard from it
        # after that port was bound, and still says nothing
        wait_for("quick reported ready", lambda: "quick is ready" in text(), text)
        assert listening(endpoint)
        assert BANNER not in text(), text()
        assert systemd.wait(0) == []

        gate.touch()
        wait_for("serve announced itself", lambda: BANNER in text(), text)
        log = text()
        assert log.index("quick is ready") < log.index("slow is ready") < log.index(BANNER)
        assert f"EPP on 127.0.0.1:{port}: the slow stand-in" in log
        wait_for("serve reported ready itself", lambda: systemd.wait(0.2) == ["serve"], text)

        process.send_signal(signal.SIGTERM)
        assert process.wait(TIMEOUT) == 0
        assert text().rstrip().endswith("stopped") and "Traceback" not in text(), text()
        assert not listening(endpoint)
    finally:
        systemd.close()
        if process.poll() is None:
            process.kill()
            process.wait()
