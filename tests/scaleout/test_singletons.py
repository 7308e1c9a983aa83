"""The singletons' wiring: two nodes' ``pyrar lifecycle run --every`` over one database (a
``pyrar init`` sandbox, nodes told apart by ``[cluster] node_id`` from the environment) run
the scheduler once: one leads, the other stands by (and says it is ready); the leader killed,
the other takes over within lease_seconds + renew_seconds; a clean stop releases the lease.
The same for ``pyrar escrow run --every``: one node deposits, and after its clean stop the
other holds the lease."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from tests.serve_stack import environment, make_sandbox, pyrar
from tests.waiting import wait_for

pytestmark = [pytest.mark.slow]

LEASE = {"PYRAR_CLUSTER_LEASE_SECONDS": "3", "PYRAR_CLUSTER_RENEW_SECONDS": "0.5"}
ROUND = " domain(s), "  # a round of the scheduler said so
DEADLINE = 60.0  # a loaded machine starts Python slowly: a deadline, not a figure


class Node:
    def __init__(self, sandbox: Path, node_id: str,
                 command: tuple[str, ...] = ("lifecycle", "run", "--every", "1")) -> None:
        self.log = sandbox.parent / f"{command[0]}-{node_id}.log"
        assert not self.log.exists()
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                pyrar("--config", str(sandbox / "pyrar.toml"), *command), stdout=out,
                stderr=subprocess.STDOUT,
                env={**environment(), "PYRAR_CLUSTER_NODE_ID": node_id, **LEASE})

    def said(self, words: str) -> bool:
        return words in self.log.read_text(errors="replace")

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def test_two_nodes_run_the_lifecycle_scheduler_once(tmp_path):
    sandbox = make_sandbox(tmp_path)
    a = Node(sandbox, "node-a")
    nodes = [a]
    try:
        logs = lambda: "\n---\n".join(n.text() for n in nodes)  # noqa: E731
        wait_for("node a leads", lambda: a.said(ROUND), DEADLINE, logs)
        b = Node(sandbox, "node-b")
        nodes.append(b)
        wait_for("node b stands by", lambda: b.said(
            "lifecycle: this node (node-b) stands by; node-a holds the lease"), DEADLINE, logs)
        assert not b.said(ROUND)

        a.process.send_signal(signal.SIGKILL)
        wait_for("node b took over", lambda: b.said(ROUND), DEADLINE, logs)
        assert b.said("lifecycle: this node (node-b) holds the lease (epoch 2)")

        # a clean stop lets the lease go: it expires at once, for the next look of a standby
        b.process.send_signal(signal.SIGTERM)
        assert b.process.wait(30) == 0, logs()
        with sqlite3.connect(sandbox / "pyrar.sqlite3") as db:
            holder, epoch, renewed, expires = db.execute(
                "SELECT holder, epoch, renewed_at, expires_at FROM leases "
                "WHERE name = 'lifecycle'").fetchone()
        assert (holder, epoch) == ("node-b", 2)
        # renewed, it would end 3 s after its renewal; released, when b stopped
        assert (datetime.fromisoformat(expires) -
                datetime.fromisoformat(renewed)).total_seconds() < 3
    finally:
        for n in nodes:
            n.end()


def test_two_nodes_make_each_escrow_deposit_once(tmp_path):
    sandbox = make_sandbox(tmp_path)
    every = ("escrow", "run", "--every", "60")
    a = Node(sandbox, "node-a", every)
    nodes = [a]
    try:
        logs = lambda: "\n---\n".join(n.text() for n in nodes)  # noqa: E731
        wait_for("node a deposits", lambda: a.said("FULL deposit "), DEADLINE, logs)
        b = Node(sandbox, "node-b", every)
        nodes.append(b)
        wait_for("node b stands by", lambda: b.said(
            "escrow: this node (node-b) stands by; node-a holds the lease"), DEADLINE, logs)
        a.process.send_signal(signal.SIGTERM)
        assert a.process.wait(30) == 0, logs()
        wait_for("node b took over", lambda: b.said(
            "escrow: this node (node-b) holds the lease (epoch 2)"), DEADLINE, logs)
    finally:
        for n in nodes:
            n.end()
    # the deposits a made are not made again: the watermarks are in the shared out_dir
    assert not b.said("FULL deposit ")
