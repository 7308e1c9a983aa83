"""Two processes competing for one lease on MariaDB (registry.leases), with real clocks: one
leads, the other stands by; the leader frozen (SIGSTOP) past its lease is taken over, and once
thawed its work is refused; the new leader killed (SIGKILL) is taken over within
lease_seconds + renew_seconds. Every row the first leader wrote was committed before the
first row of the next one."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from registry.db import make_engine
from registry.migrate import upgrade
from tests.databases import scratch_mariadb
from tests.waiting import wait_for

pytestmark = [pytest.mark.mariadb, pytest.mark.slow]

WORKER = Path(__file__).with_name("lease_worker.py")
REPO = Path(__file__).resolve().parents[2]
LEASE_SECONDS, RENEW_SECONDS = 3.0, 0.5
# generous for a loaded machine: a deadline, not a figure
TAKEOVER_DEADLINE = LEASE_SECONDS + RENEW_SECONDS + 20.0


class Worker:
    def __init__(self, url: str, node: str, directory: Path, pdns: str | None = None,
                 freeze_file: Path | None = None) -> None:
        """``pdns``: PowerDNS's database on the same server, written each round too;
        ``freeze_file``: once it exists, the worker stops itself between the two writes."""
        self.node = node
        self.log = directory / f"{node}.log"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(WORKER), url, node, str(LEASE_SECONDS),
                 str(RENEW_SECONDS), *([pdns] if pdns else []),
                 *([str(freeze_file)] if freeze_file else [])], stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONPATH": str(REPO)})

    def said(self, words: str) -> bool:
        return words in self.log.read_text(errors="replace")

    def output(self) -> str:
        return f"--- {self.node}:\n{self.log.read_text(errors='replace')}"

    def stopped(self) -> bool:
        """Stopped by a signal (SIGSTOP): its state in /proc is T, or t when traced (the
        loopback audit runs the tests under strace)."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        return stat.rpartition(")")[2].split()[0] in ("T", "t")

    def signal(self, sig: int) -> None:
        self.process.send_signal(sig)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def database() -> Iterator[str]:
    with scratch_mariadb("lease") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        raw = create_engine(url)
        with raw.begin() as conn:
            conn.execute(text("CREATE TABLE lease_work (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                              "node VARCHAR(64) NOT NULL, epoch BIGINT NOT NULL)"))
        raw.dispose()
        yield url


@contextlib.contextmanager
def workers(url: str, directory: Path) -> Iterator[dict[str, Worker]]:
    started: dict[str, Worker] = {}
    try:
        yield started
    finally:
        for w in started.values():
            w.stop()


def rows(url: str) -> list[tuple[int, str, int]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(
                text("SELECT id, node, epoch FROM lease_work ORDER BY id"))]
    finally:
        engine.dispose()


def test_a_frozen_leader_is_taken_over_and_its_work_refused(database, tmp_path):
    with workers(database, tmp_path) as w:
        logs = lambda: "\n".join(x.output() for x in w.values())  # noqa: E731
        w["a"] = Worker(database, "a", tmp_path)
        wait_for("a leads", lambda: w["a"].said("leading 1"), 60, logs)
        w["b"] = Worker(database, "b", tmp_path)
        wait_for("b stands by", lambda: w["b"].said("standing by"), 60, logs)
        assert not w["b"].said("leading")

        w["a"].signal(signal.SIGSTOP)   # a pause longer than the lease: GC, swap, a VM
        wait_for("b took over", lambda: w["b"].said("leading 2"), TAKEOVER_DEADLINE, logs)
        wait_for("b works", lambda: any(n == "b" for _, n, _ in rows(database)), 30, logs)
        w["a"].signal(signal.SIGCONT)
        assert w["a"].process.wait(30) == 3, logs()
        assert w["a"].said("fenced")

        # a restarted a stands by; b killed outright is taken over by it
        w["a2"] = Worker(database, "a", tmp_path)
        wait_for("a stands by again", lambda: w["a2"].said("standing by"), 60, logs)
        w["b"].signal(signal.SIGKILL)
        killed = time.monotonic()
        wait_for("a took over from the killed b", lambda: w["a2"].said("leading 3"),
                 TAKEOVER_DEADLINE, logs)
        print(f"takeover after SIGKILL: {time.monotonic() - killed:.1f} s "
              f"(lease {LEASE_SECONDS:g} s, renew {RENEW_SECONDS:g} s)")
        wait_for("a works again", lambda: rows(database)[-1][2] == 3, 30, logs)

    done = rows(database)
    by_epoch: dict[int, list[tuple[int, str]]] = {}
    for row_id, who, epoch in done:
        by_epoch.setdefault(epoch, []).append((row_id, who))
    assert sorted(by_epoch) == [1, 2, 3]
    assert {who for _, who in by_epoch[1]} == {"a"} and {who for _, who in by_epoch[2]} == {"b"}
    # commit order: no row of an earlier leader after the first row of the next
    assert max(i for i, _ in by_epoch[1]) < min(i for i, _ in by_epoch[2])
    assert max(i for i, _ in by_epoch[2]) < min(i for i, _ in by_epoch[3])
