"""Several worker processes on one port: one dying does not take the service down, sessions
spread over them evenly, and the port is theirs alone."""

from __future__ import annotations

import os
import re
import signal
from collections import Counter
from pathlib import Path

import pytest
from eppd_client import hello, login, result_code
from eppd_servers import PASSWORDS, start_server, stop_server

from tests.waiting import wait_for


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


def test_killed_worker_is_replaced_while_the_other_serves(tmp_path, pki):
    server = start_server(tmp_path, pki, workers=2)
    try:
        supervisor = server.process.pid
        wait_for("two workers", lambda: len(worker_pids(supervisor)) == 2, 20, server.log_text)
        # Both must be accepting before one dies, or the test measures start-up instead.
        server.log_matching("eppd listening on", timeout=20, enough=2)
        before = worker_pids(supervisor)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        # The workers share one listening socket, so nothing waits on the victim's: every
        # connection made while it dies is answered by the other worker.
        for _ in range(10):
            with server.connect() as client:
                assert b"<greeting>" in client.request(hello())
        wait_for("the victim replaced", lambda: len(worker_pids(supervisor)) == 2
                 and victim not in worker_pids(supervisor), 20, server.log_text)
        assert "exited with -9; restarting" in server.log_text()
        workers = worker_pids(supervisor)
        for pid in workers:  # a restarted worker too: few malloc arenas (eppd.supervisor)
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            assert b"MALLOC_ARENA_MAX=2" in environ
    finally:
        stop_server(server)
    assert server.process.returncode == 0
    wait_for("the workers gone",
             lambda: not any(Path(f"/proc/{p}").exists() for p in workers), 10)


def test_session_limit_holds_across_workers(tmp_path, pki):
    server = start_server(tmp_path, pki, workers=2, max_sessions_per_registrar=2)
    clients = []
    try:
        server.log_matching("eppd listening on", timeout=20, enough=2)
        # Six connections land on both workers (three each); with a count per process up
        # to four logins would get in.
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


def test_sessions_spread_evenly_over_the_workers(tmp_path, pki):
    """Eight sessions opened one after another: four on each worker, not as a hash falls."""
    server = start_server(tmp_path, pki, workers=2)
    clients = []
    try:
        server.log_matching("eppd listening on", timeout=20, enough=2)
        for _ in range(8):
            client = server.connect()
            assert b"<greeting>" in client.request(hello())
            clients.append(client)

        ports = {str(c.sock.getsockname()[1]) for c in clients}

        def per_worker() -> Counter:
            found = re.findall(r"\[(\d+)\] INFO eppd\.connections: [\d.]+:(\d+) connected",
                               server.log_text())
            return Counter(pid for pid, port in found if port in ports)

        wait_for("eight connections logged", lambda: sum(per_worker().values()) == 8, 10,
                 server.log_text)
        assert sorted(per_worker().values()) == [4, 4]
    finally:
        for client in clients:
            client.close()
        stop_server(server)


def test_a_second_server_cannot_take_the_port(tmp_path, pki):
    """The port is bound once: a second server on it fails at once, saying why, and the
    first one keeps every session."""
    first = start_server(tmp_path / "first", pki, workers=2)
    try:
        try:  # it may fail before or after start_server's probe reaches the first server
            second = start_server(tmp_path / "second", pki, workers=2, port=first.port)
        except RuntimeError as e:
            refusal = str(e)
        else:
            assert second.process.wait(20) != 0
            refusal = second.log_text()
        assert "cannot listen on 127.0.0.1 port" in refusal
        assert "Address already in use" in refusal
        for _ in range(6):
            with first.connect() as client:
                assert b"<greeting>" in client.request(hello())
    finally:
        stop_server(first)


def test_sigint_and_sigterm_together_stop_a_worker_once(tmp_path, pki):
    """Ctrl-C signals every process of the group, then the supervisor sends SIGTERM: the
    second signal must not stop the reactor again (ReactorNotRunning, with a traceback)."""
    server = start_server(tmp_path, pki, workers=1)
    try:
        supervisor = server.process.pid
        server.log_matching("eppd listening on", timeout=20)
        (worker,) = worker_pids(supervisor)
        for _ in range(20):  # the race is in the worker: give it many chances
            os.kill(worker, signal.SIGINT)
            os.kill(worker, signal.SIGTERM)
        server.log_matching("exited with 0; restarting", timeout=30)
    finally:
        stop_server(server)
    log = server.log_text()
    assert "Traceback" not in log and "ReactorNotRunning" not in log, log
    # either may be handled first: each signal goes to whichever thread the kernel picks,
    # and a sleeping thread-pool thread can run its handler after the main thread ran SIGTERM's
    stops = re.findall(rf"eppd\[{worker}\] .*(SIGINT|SIGTERM): stopping", log)
    assert len(stops) == 1, log
