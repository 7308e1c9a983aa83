"""50 sessions of five registrars create the same name at the same instant, against a
MariaDB-backed ``pyrar eppd`` with two worker processes: one 1000, 49 2302, and only the
winner pays; every registrar's ledger still adds up to its balance."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from eppd_core_frames import create, info
from interop_sandbox import running_sandbox

from pyrar.sandbox import SANDBOX_PRICES

SESSIONS = 50
REGISTRARS = 5


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory, schema_check):
    with running_sandbox(tmp_path_factory.mktemp("interop-race"), schema_check,
                         dialect="mariadb", registrars=REGISTRARS, workers=2,
                         settings={"eppd_max_sessions_per_registrar": SESSIONS}) as box:
        # both workers take sessions only once both listen (running_sandbox waits for one)
        box.log_matching("eppd listening on", timeout=30, enough=2)
        yield box


def test_fifty_sessions_create_one_name_once(sandbox):
    name = f"race-{datetime.now(UTC):%H%M%S%f}.example"
    clids = [sandbox.clids[i % REGISTRARS] for i in range(SESSIONS)]
    before = {clid: sandbox.balance(clid) for clid in sandbox.clids}
    sessions = [sandbox.connect(clid) for clid in clids]
    outcomes: list[tuple[str, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(SESSIONS)

    def go(clid, epp) -> None:
        start.wait(30)
        code = create(epp, name).code
        with lock:
            outcomes.append((clid, code))

    try:
        for clid, epp in zip(clids, sessions, strict=True):
            sandbox.login(epp, clid)
        threads = [threading.Thread(target=go, args=pair) for pair in zip(clids, sessions,
                                                                           strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        for epp in sessions:
            epp.close()

    assert Counter(code for _, code in outcomes) == {1000: 1, 2302: SESSIONS - 1}
    winner = next(clid for clid, code in outcomes if code == 1000)
    with sandbox.session(winner) as epp:
        sponsor = info(epp, name).text("e:response/e:resData/d:infData/d:clID")
    assert sponsor == winner
    price = SANDBOX_PRICES["create"]
    assert sandbox.ledger(name) == [(winner, "create", -price)]
    for clid in sandbox.clids:
        expected = before[clid] - (price if clid == winner else 0)
        assert sandbox.balance(clid) == expected, clid
        assert sandbox.ledger_sum(clid) == sandbox.balance(clid), clid
    # the race crossed processes: both workers answered some of the creates
    workers = set(sandbox.log_matching(rf"eppd\[(\d+)\] INFO eppd\.commands: "
                                       rf".*cmd=domain:create obj={re.escape(name)} ",
                                       enough=SESSIONS))
    assert len(workers) == 2, workers

