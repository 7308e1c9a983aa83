"""The pool against ``pyrar eppd`` with a short idle timeout: N sessions under a cap,
<hello> keeping them alive, reconnecting with backoff after eppd is killed, and lost
answers (through tests/eppclient/epp_proxy.py): queries sent again, transforms never,
but settled by info."""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from epp_proxy import EppProxy
from eppclient_world import client_config
from eppd_client import client_context
from eppd_core_frames import fresh
from eppd_core_world import REPO, STRONG, core_world

from eppclient import (
    CommandTimeout,
    Contact,
    DomainChanges,
    EppClient,
    OutcomeUnknown,
    PostalInfo,
    RegistryConfig,
    settle,
)
from tests.waiting import wait_for_async

IDLE_TIMEOUT = 2  # eppd's, seconds


@pytest.fixture(scope="module")
def world(tmp_path_factory, pki, schema_check):
    with core_world(tmp_path_factory.mktemp("eppclient-pool"), pki, schema_check,
                    idle_timeout=IDLE_TIMEOUT) as w:
        yield w


async def wait_until(what: str, check, timeout: float = 60.0):
    return await wait_for_async(what, check, timeout)


def test_session_count_must_fit_under_the_cap(world):
    with pytest.raises(ValueError, match="max_sessions"):
        client_config(world, sessions=5, max_sessions=3)
    with pytest.raises(ValueError, match="keepalive"):
        client_config(world, idle_timeout=2, keepalive=3)


def test_concurrent_commands_share_n_sessions(world):
    async def body():
        async with EppClient(client_config(world, sessions=3, max_sessions=3,
                                           keepalive=0.5, idle_timeout=IDLE_TIMEOUT)) as epp:
            await wait_until("3 sessions", lambda: epp.pool.open_sessions == 3)
            answers = await asyncio.gather(*(epp.domain_check(fresh()) for _ in range(30)))
            return answers, epp.pool.open_sessions, epp.pool.connects

    answers, open_sessions, connects = asyncio.run(body())
    assert all(a[0].available for a in answers)
    assert open_sessions == 3 and connects == 3


def test_hello_keeps_sessions_past_the_registry_idle_timeout(world):
    async def body():
        config = client_config(world, sessions=2, keepalive=0.4, idle_timeout=IDLE_TIMEOUT)
        async with EppClient(config) as epp:
            await wait_until("2 sessions", lambda: epp.pool.open_sessions == 2)
            start = time.monotonic()
            # each session idle for well over eppd's idle timeout, kept by its hellos
            await wait_until("hellos over 2 idle timeouts", lambda: all(
                s.hellos >= 6 for s in epp.pool._sessions)
                and time.monotonic() - start > 2 * IDLE_TIMEOUT)
            await epp.domain_check(fresh())
            return epp.pool.connects, epp.pool.open_sessions

    connects, open_sessions = asyncio.run(body())
    assert connects == 2 and open_sessions == 2  # never dropped, never reconnected


def test_sessions_the_registry_closed_for_idleness_are_replaced(world):
    """A client configured with a longer idle timeout than the registry's loses its
    sessions; the next command still succeeds, on a new one."""
    async def body():
        config = client_config(world, sessions=1, idle_timeout=60)
        async with EppClient(config) as epp:
            session = next(iter(epp.pool._sessions))
            await wait_until("eppd closing the idle session", lambda: not session.alive)
            answer = await epp.domain_check(fresh())
            return answer, epp.pool.connects

    answer, connects = asyncio.run(body())
    assert answer[0].available and connects == 2


def restart_eppd(world) -> None:
    """Start ``pyrar eppd`` again on the same port, configuration and database."""
    directory = world.log_path.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYRAR_")}
    env["PYTHONPATH"] = str(REPO)
    with open(world.log_path, "ab") as log:
        world.process = subprocess.Popen(
            [sys.executable, "-m", "pyrar.cli.main", "--config", str(directory / "pyrar.toml"),
             "eppd", "--workers", "1"], cwd=directory, env=env, stdout=log,
            stderr=subprocess.STDOUT)


def test_reconnects_with_backoff_after_eppd_is_killed(world):
    async def body():
        # the waiting command outlasts eppd's restart, slow on a busy machine
        config = client_config(world, sessions=2, keepalive=0.5, idle_timeout=IDLE_TIMEOUT,
                               acquire_timeout=90)
        async with EppClient(config) as epp:
            await wait_until("2 sessions", lambda: epp.pool.open_sessions == 2)
            world.process.kill()
            world.process.wait()
            await wait_until("sessions seen dead", lambda: epp.pool.open_sessions == 0)
            pending = asyncio.create_task(epp.domain_check(fresh()))
            await wait_until("reconnects failing", lambda: epp.pool.failed_connects >= 3)
            assert not pending.done()
            restart_eppd(world)
            answer = await pending
            await wait_until("2 sessions again", lambda: epp.pool.open_sessions == 2, 60)
            return answer, epp.pool.connects

    answer, connects = asyncio.run(body())
    assert answer[0].available
    assert connects == 4


@pytest.fixture(scope="module")
def proxy_contexts(world):
    certs = world.pki.ca.parent
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(str(certs / "server.pem"), str(certs / "server.key"))
    return server, client_context(world.pki.ca, world.pki.clients["reg1"])


def through_proxy(world, proxy_contexts, body, **config):
    async def main():
        async with EppProxy(world.port, *proxy_contexts) as proxy:
            settings = {"sessions": 1, "keepalive": 0.5, "idle_timeout": IDLE_TIMEOUT,
                        "port": proxy.port, **config}
            async with EppClient(client_config(world, **settings)) as epp:
                return await body(epp, proxy)
    return asyncio.run(main())


def test_lost_create_is_not_resent_and_settles_as_done(world, proxy_contexts):
    name = fresh()

    async def body(epp, proxy):
        proxy.arm("after", b"<domain:create")
        with pytest.raises(OutcomeUnknown) as lost:
            await epp.domain_create(name, auth_info=STRONG, price=Decimal("10.00"))
        settled = await settle(epp, lost.value)
        return lost.value, settled, proxy.count(b"<domain:create")

    lost, settled, creates = through_proxy(world, proxy_contexts, body)
    assert creates == 1                       # sent once, never again
    assert lost.command.object_id == name and lost.command.sent_at is not None
    assert b"<domain:create" in lost.command.frame
    assert settled.applied and settled.evidence.sponsor == "reg1"


def test_create_that_never_arrived_settles_as_not_done(world, proxy_contexts):
    name = fresh()

    async def body(epp, proxy):
        proxy.arm("before", b"<domain:create")
        with pytest.raises(OutcomeUnknown) as lost:
            await epp.domain_create(name, auth_info=STRONG)
        return await settle(epp, lost.value), proxy.count(b"<domain:create")

    settled, creates = through_proxy(world, proxy_contexts, body)
    assert creates == 0 and not settled.applied


def test_lost_renew_delete_and_transfer_settle(world, proxy_contexts):
    renewed, deleted = fresh(), fresh()

    async def body(epp, proxy):
        outcomes = {}
        for name in (renewed, deleted):
            await epp.domain_create(name, auth_info=STRONG)
        world.end_grace_periods(deleted)
        expiry = (await epp.domain_info(renewed)).expires_at
        for marker, call in (
                (b"<domain:renew", epp.domain_renew(renewed, expiry, 1)),
                (b"<domain:delete", epp.domain_delete(deleted))):
            proxy.arm("after", marker)
            with pytest.raises(OutcomeUnknown) as lost:
                await call
            outcomes[marker] = await settle(epp, lost.value)
        return outcomes, proxy.count(b"<domain:renew"), proxy.count(b"<domain:delete")

    outcomes, renews, deletes = through_proxy(world, proxy_contexts, body)
    assert renews == 1 and deletes == 1
    assert all(s.applied for s in outcomes.values()), outcomes


def test_lost_transfer_request_settles(world, proxy_contexts):
    name = fresh()

    async def body(epp, proxy):
        async with EppClient(client_config(world, "reg2")) as owner:
            await owner.domain_create(name, auth_info=STRONG)
        world.end_grace_periods(name)
        proxy.arm("after", b'op="request"')
        with pytest.raises(OutcomeUnknown) as lost:
            await epp.domain_transfer("request", name, STRONG)
        return await settle(epp, lost.value)

    settled = through_proxy(world, proxy_contexts, body)
    assert settled.applied and settled.evidence.status == "pending"


def test_lost_query_answer_is_sent_again(world, proxy_contexts):
    name = fresh()

    async def body(epp, proxy):
        await epp.domain_create(name, auth_info=STRONG)
        proxy.arm("after", b"<domain:info")
        info = await epp.domain_info(name)
        return info, proxy.count(b"<domain:info")

    info, infos = through_proxy(world, proxy_contexts, body)
    assert info.name == name and infos == 2


def test_a_stalled_transform_times_out_as_outcome_unknown(world, proxy_contexts):
    name = fresh()

    async def body(epp, proxy):
        proxy.arm("stall", b"<domain:create")
        with pytest.raises(OutcomeUnknown) as lost:
            await epp.domain_create(name, auth_info=STRONG)
        return lost.value, await settle(epp, lost.value)

    lost, settled = through_proxy(world, proxy_contexts, body, command_timeout=1.0)
    assert isinstance(lost.cause, CommandTimeout)
    assert settled.applied


def test_config_repr_hides_the_password(world):
    config = client_config(world)
    assert isinstance(config, RegistryConfig)
    assert config.password not in repr(config)


def test_lost_update_and_restore_settle(world, proxy_contexts):
    updated, never, restored = fresh(), fresh(), fresh()

    async def body(epp, proxy):
        for name in (updated, never, restored):
            await epp.domain_create(name, auth_info=STRONG)
        world.end_grace_periods(restored)
        await epp.domain_delete(restored)
        outcomes = []
        for when, marker, call in (
                ("after", b"<domain:update", epp.domain_update(
                    updated, add=DomainChanges(statuses=("clientHold",)))),
                ("before", b"<domain:update", epp.domain_update(
                    never, add=DomainChanges(statuses=("clientHold",)))),
                ("after", b"<rgp:restore", epp.domain_restore(restored))):
            proxy.arm(when, marker)
            with pytest.raises(OutcomeUnknown) as lost:
                await call
            outcomes.append((await settle(epp, lost.value)).applied)
        return outcomes

    assert through_proxy(world, proxy_contexts, body) == [True, False, True]


def test_a_cancelled_command_drops_its_session(world, proxy_contexts):
    """Cancelled between sending and the answer, a session would be out of step: it is
    dropped, and the next command runs on a fresh one."""
    name = fresh()

    async def body(epp, proxy):
        proxy.arm("stall", b"<domain:info")
        first = next(iter(epp.pool._sessions))
        call = asyncio.create_task(epp.domain_info(name))
        await wait_until("the info sent", lambda: proxy.count(b"<domain:info") == 1)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        [answer] = await epp.domain_check(name)
        return first.alive, answer, epp.pool.connects

    first_alive, answer, connects = through_proxy(world, proxy_contexts, body)
    assert not first_alive and answer.available and connects == 2


def test_never_more_connections_than_the_cap_across_reconnects(world, proxy_contexts):
    async def body(epp, proxy):
        for _ in range(3):
            await wait_until("3 sessions", lambda: epp.pool.open_sessions == 3
                             and proxy.live == 3)
            proxy.cut()
        answers = await asyncio.gather(*(epp.domain_check(fresh()) for _ in range(20)))
        return answers, proxy.peak, epp.pool.connects

    answers, peak, connects = through_proxy(world, proxy_contexts, body, sessions=3,
                                            max_sessions=3)
    assert all(a[0].available for a in answers)
    assert peak == 3 and connects >= 12


def test_lost_host_and_contact_updates_settle(world, proxy_contexts):
    domain_name = fresh()
    host_name, renamed = f"ns1.{domain_name}", f"ns2.{domain_name}"
    handle = f"u{time.time_ns() % 10**12}"
    contact = Contact(handle, "old@example.com", (PostalInfo("A B", "Paris", "FR"),),
                      auth_info=STRONG)

    async def body(epp, proxy):
        await epp.domain_create(domain_name, auth_info=STRONG)
        await epp.host_create(host_name, ("192.0.2.1",))
        await epp.contact_create(contact)
        outcomes = []
        for marker, call in (
                (b"<host:update", epp.host_update(host_name, add_addresses=("192.0.2.2",),
                                                  new_name=renamed)),
                (b"<contact:update", epp.contact_update(handle, email="new@example.com"))):
            proxy.arm("after", marker)
            with pytest.raises(OutcomeUnknown) as lost:
                await call
            outcomes.append((await settle(epp, lost.value)).applied)
        return outcomes

    assert through_proxy(world, proxy_contexts, body) == [True, True]
