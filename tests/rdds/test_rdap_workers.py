"""``[rdap] workers``: ``pyrar rdap serve`` binds the port once and serves it from several
processes: each answers on its own (one stopped, the other still answers), SIGTERM stops
them all, a worker that dies stops the rest with a non-zero exit, a port in use is one
line."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.rdds.rdds_world import free_port
from tests.serve_stack import environment, pyrar
from tests.waiting import wait_for


def answered(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/help", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def workers_of(pid: int) -> list[int]:
    """The worker processes (multiprocessing's spawned children, its resource tracker
    aside)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children
            if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


@pytest.fixture
def config(tmp_path, sqlite_template) -> tuple[Path, int]:
    shutil.copy(sqlite_template, tmp_path / "registry.sqlite3")
    port = free_port()
    (tmp_path / "pyrar.toml").write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "registry.sqlite3"}"\n'
        f"[rdap]\nport = {port}\nworkers = 2\n")
    return tmp_path / "pyrar.toml", port


def serve(config: Path) -> subprocess.Popen:
    return subprocess.Popen(pyrar("--config", str(config), "rdap", "serve"),
                            env=environment(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=config.parent)


def test_workers_share_the_port_and_stop_together(config):
    path, port = config
    server = serve(path)
    try:
        wait_for("RDAP answering", lambda: answered(port), 60)
        workers = wait_for("two workers", lambda: len(w := workers_of(server.pid)) == 2 and w,
                           30)
        for stopped in workers:  # either one alone serves the port
            os.kill(stopped, signal.SIGSTOP)
            try:
                assert all(answered(port) for _ in range(5))
            finally:
                os.kill(stopped, signal.SIGCONT)
        busy = subprocess.run(pyrar("--config", str(path), "rdap", "serve"),
                              env=environment(), capture_output=True, text=True, timeout=60,
                              cwd=path.parent)
        assert busy.returncode == 1 and busy.stderr.splitlines()[-1].startswith(
            f"pyrar: error: RDAP cannot listen on 127.0.0.1:{port} ([rdap] port): ")
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
        assert all(gone(w) for w in workers)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_a_worker_dying_stops_the_others(config):
    path, port = config
    server = serve(path)
    try:
        wait_for("RDAP answering", lambda: answered(port), 60)
        first, second = wait_for("two workers",
                                 lambda: len(w := workers_of(server.pid)) == 2 and w, 30)
        os.kill(first, signal.SIGKILL)
        assert server.wait(30) == 1
        assert "RDAP worker rdap-" in server.stderr.read()
        wait_for("the other worker stopped", lambda: gone(second), 30)
        assert not answered(port)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
