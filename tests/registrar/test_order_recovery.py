"""kill -9 during an order: the payment stays, the order is carried out by the orders
consumer exactly once (never paid without the name, never the name without payment)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import select

from registrar.consumers import orders_consumer
from registrar.models import SiteDomain, SiteOrder
from registry.models import Domain
from tests.registrar.conftest import events, funded_user
from tests.waiting import wait_for

# Runs the order in another process and stops for good at ``stop_at``: "processing" holds
# the processing transaction open after the registry created the name (not committed),
# "placed" after the payment committed, "processed" after the processing committed.
CHILD = textwrap.dedent("""
    import sys, time
    from registrar.backends.local import LocalRegistry
    from registrar.config import RegistrarSettings
    from registrar.core import RegistrarCore
    from registry.db import Database, make_engine
    from registry.service import Registry
    from tests.core.world import SETTINGS
    url, user_id, stop_at, flag = sys.argv[1:]
    core = RegistrarCore(Registry(Database(make_engine(url)), settings=SETTINGS),
                         RegistrarSettings(argon2_time_cost=1, argon2_memory_kib=256,
                                           argon2_parallelism=1))
    def stop():
        open(flag, "w").write("stopped")
        time.sleep(3600)
    if stop_at == "processing":
        create = LocalRegistry.create
        def create_and_stop(self, *args, **kwargs):
            create(self, *args, **kwargs)
            stop()
        LocalRegistry.create = create_and_stop
    if stop_at == "placed":
        RegistrarCore.process_order = lambda self, order_id: stop()
    core.place_order(int(user_id), [{"name": "crash.example"}, {"name": "crash.test"}])
    stop()
""")


@pytest.mark.parametrize("stop_at", ["processing", "placed", "processed"])
def test_kill_9_at_any_point_then_the_consumer_finishes_once(core, world, database, tmp_path,
                                                            stop_at):
    user = funded_user(core, world, amount=10_000)
    flag = tmp_path / "flag"
    url = database.engine.url.render_as_string(hide_password=False)
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(user.id), stop_at,
                              str(flag)], cwd=os.getcwd(), stderr=subprocess.PIPE)
    try:
        wait_for("the child to reach its stop", lambda: flag.exists() or child.poll() is not None,
                 60)
        assert flag.exists(), child.stderr.read().decode()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    paid = core.me(user.id).balance.amount
    assert paid == 10_000 - 3000  # the payment committed before any stop point
    # the consumer (as after a restart) finishes whatever was left, once
    consumer = orders_consumer(core)
    try:
        consumer.run_once()
        assert consumer.run_once() is None  # nothing left
    finally:
        consumer.doorbell.close()
    order = world.registry.read(lambda s: s.scalars(select(SiteOrder)).one())
    assert order.status == "done" and order.refunded == 0
    assert core.me(user.id).balance.amount == 7000
    names = world.registry.read(lambda s: sorted(s.scalars(select(Domain.name))))
    held = world.registry.read(lambda s: sorted(s.scalars(select(SiteDomain.name))))
    assert names == held == ["crash.example", "crash.test"]
    assert events(world, "orders") == []
