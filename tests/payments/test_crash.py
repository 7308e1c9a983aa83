"""kill -9 while a verified event is being applied: before its transaction, inside it after
the ledger's credit (not committed), and after the commit before the answer. The provider
delivers it again (no 2xx came back): the payment is credited exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from tests.payments.conftest import IPN_SECRET, ipn_for, payment_events, stored, user_with
from tests.waiting import wait_for

CHILD = textwrap.dedent("""
    import sys, time
    from registrar.config import RegistrarSettings
    from registrar.core import RegistrarCore
    from registrar.payments import rules
    from registrar.payments.config import NowPaymentsSettings, PaymentSettings
    from registrar.payments.service import PaymentService
    from registry.clock import FixedClock
    from registry.db import Database, make_engine
    from registry.service import Registry
    from tests.core.world import SETTINGS, START
    url, stop_at, flag, body_file, sig, secret = sys.argv[1:]
    core = RegistrarCore(Registry(Database(make_engine(url)), FixedClock(START), SETTINGS),
                         RegistrarSettings(argon2_time_cost=1, argon2_memory_kib=256,
                                           argon2_parallelism=1))
    payments = PaymentService(core, PaymentSettings(nowpayments=NowPaymentsSettings(
        api_key="k", ipn_secret=secret)))
    def stop(*_args, **_kwargs):
        open(flag, "w").write("stopped")
        time.sleep(3600)
    if stop_at == "verified":
        rules.apply = stop
    if stop_at == "credited":
        move = rules._move
        rules._move = lambda *args: (move(*args), stop())
    if stop_at == "committed":
        tx = core.tx
        core.tx = lambda work, command: (tx(work, command), stop())
    payments.webhook("nowpayments", {"x-nowpayments-sig": sig}, open(body_file, "rb").read())
    stop()
""")


@pytest.mark.parametrize("stop_at", ["verified", "credited", "committed"])
def test_kill_9_while_crediting_then_the_redelivery_credits_once(core, world, database,
                                                                 payments, sign, tmp_path,
                                                                 stop_at):
    user = user_with(core, world)
    payment = stored(world, payments.start(user.id, "nowpayments", 2500).id)
    body, headers = sign.ipn(ipn_for(payment))
    (tmp_path / "body").write_bytes(body)
    flag = tmp_path / "flag"
    url = database.engine.url.render_as_string(hide_password=False)
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, stop_at, str(flag),
                              str(tmp_path / "body"), headers["x-nowpayments-sig"],
                              IPN_SECRET], cwd=os.getcwd(), stderr=subprocess.PIPE)
    try:
        wait_for("the child to reach its stop",
                 lambda: flag.exists() or child.poll() is not None, 60)
        assert flag.exists(), child.stderr.read().decode()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    committed = stop_at == "committed"
    assert core.me(user.id).balance.amount == (2500 if committed else 0)
    # NowPayments had no answer: it delivers the IPN again
    answer = payments.webhook("nowpayments", headers, body)
    assert answer.text == ("duplicate" if committed else "credited")
    assert core.me(user.id).balance.amount == 2500
    assert len(payment_events(world)) == 1
    assert [e.kind for e in core.ledger(user.id)] == ["payment"]
