"""Several worker processes on one port: one dying does not take the service down."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from eppd_client import hello, login, result_code
from eppd_servers import PASSWORDS, start_server, stop_server


def worker_pids(supervisor: int) -> set[int]:
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children")
    if not children.exists():
        pytest.skip("needs /proc/<pid>/task/<pid>/children (Linux)")
    pids = set()
    for pid in children.read_text().split():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        # Skip multiprocessing's resource tracker; workers run spawn_main.
        if b"spawn_main" in cmdline:
            pids.add(int(pid))
    return pids


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_killed_worker_is_replaced_while_the_other_serves(tmp_path, pki):
    server = start_server(tmp_path, pki, workers=2)
    try:
        supervisor = server.process.pid
        assert wait_for(lambda: len(worker_pids(supervisor)) == 2, 20)
        # Both must be accepting before one dies, or the test measures start-up instead.
        assert wait_for(lambda: server.log_text().count("eppd listening on") == 2, 20)
        before = worker_pids(supervisor)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        # Connections the kernel queues on the victim's socket while it dies are reset: that
        # is SO_REUSEPORT's nature. A zombie group leader may still have threads holding the
        # socket, so wait until the supervisor has reaped it.
        assert wait_for(lambda: not Path(f"/proc/{victim}").exists(), 10)
        for _ in range(10):
            with server.connect() as client:
                assert b"<greeting>" in client.request(hello())
        assert wait_for(lambda: len(worker_pids(supervisor)) == 2
                        and victim not in worker_pids(supervisor), 20)
        assert "exited with -9; restarting" in server.log_text()
        workers = worker_pids(supervisor)
    finally:
        stop_server(server)
    assert server.process.returncode == 0
    assert wait_for(lambda: not any(Path(f"/proc/{p}").exists() for p in workers), 10)


def test_session_limit_holds_across_workers(tmp_path, pki):
    server = start_server(tmp_path, pki, workers=2, max_sessions_per_registrar=2)
    clients = []
    try:
        assert wait_for(lambda: server.log_text().count("eppd listening on") == 2, 20)
        # Six connections land on both workers (the kernel hashes each one); with a count
        # per process up to four logins would get in.
        codes = []
        for _ in range(6):
            client = server.connect()
            clients.append(client)
            codes.append(result_code(client.request(login("reg1", PASSWORDS["reg1"]))))
        assert sorted(codes) == [1000, 1000, 2502, 2502, 2502, 2502]
    finally:
        for client in clients:
            client.close()
        stop_server(server)
