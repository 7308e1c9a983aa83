"""A MariaDB server of a test's own, for faults the shared one must never suffer: killed,
restarted, frozen (SIGSTOP) and thawed. Its data directory and port are the test's; it is
stopped by PID when the test ends."""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.waiting import wait_for

INSTALL = "mariadb-install-db"
SERVER = "/usr/sbin/mariadbd"


class PrivateMariaDb:
    """``options``: more server options (a replication primary's binary log, say)."""

    def __init__(self, directory: Path, port: int, options: tuple[str, ...] = ()) -> None:
        self.directory = directory
        self.port = port
        self.options = options
        self.data = directory / "data"
        self.process: subprocess.Popen | None = None

    @property
    def server_url(self) -> str:
        return f"mysql+pymysql://root@127.0.0.1:{self.port}"

    def url(self, database: str) -> str:
        return f"{self.server_url}/{database}"

    def install(self) -> None:
        subprocess.run([INSTALL, "--no-defaults", f"--datadir={self.data}",
                        "--auth-root-authentication-method=normal", "--skip-test-db",
                        "--user=root"], check=True, capture_output=True)

    def start(self) -> None:
        log = open(self.directory / "server.log", "ab")  # noqa: SIM115 - the server's own
        self.process = subprocess.Popen(
            [SERVER, "--no-defaults", f"--datadir={self.data}", f"--port={self.port}",
             "--bind-address=127.0.0.1", f"--socket={self.directory / 'sock'}",
             f"--pid-file={self.directory / 'pid'}", "--user=root", "--skip-log-bin",
             "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M",
             "--skip-name-resolve", *self.options], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for(f"the private MariaDB on port {self.port} answers", self.answers, 30,
                 lambda: (self.directory / "server.log").read_text(errors="replace"))

    def answers(self) -> bool:
        return subprocess.run(["mysqladmin", "-h", "127.0.0.1", "-P", str(self.port),
                               "-u", "root", "--connect-timeout=1", "status"],
                              capture_output=True).returncode == 0

    def stop(self) -> None:
        """A clean shutdown (what a graceful restart does first)."""
        if self.process is not None and self.process.poll() is None:
            self.thaw()
            self.process.terminate()
            self.process.wait(60)
        self.process = None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)


@contextlib.contextmanager
def private_mariadb(directory: Path, port: int, options: tuple[str, ...] = ()
                    ) -> Iterator[PrivateMariaDb]:
    if shutil.which(INSTALL) is None or not Path(SERVER).exists():
        pytest.fail(f"needs {INSTALL} and {SERVER} (Debian's mariadb-server; scripts/setup "
                    "installs it)")
    directory.mkdir(parents=True, exist_ok=True)
    server = PrivateMariaDb(directory, port, options)
    server.install()
    server.start()
    try:
        yield server
    finally:
        server.kill()


def seconds_until(predicate, timeout: float, what: str) -> float:
    """How long ``predicate`` took to hold (for the recovery times docs/reliability.md
    quotes); fails the test past ``timeout``."""
    started = time.monotonic()
    wait_for(what, predicate, timeout)
    return time.monotonic() - started
