"""Poll messages: recorded by the caller before they are acknowledged, once per msgID,
and parts in namespaces we did not log in with kept (RFC 9038), not lost."""

from __future__ import annotations

import asyncio

import pytest
from eppclient_world import client_config
from eppd_core_frames import fresh
from eppd_core_world import STRONG, core_world

from eppclient import CommandFailed, EppClient, drain, poll_loop, poll_request
from eppclient.namespaces import CHANGE_POLL, EXTENSIONS
from tests.waiting import wait_for_async


@pytest.fixture(scope="module")
def world(tmp_path_factory, pki, schema_check):
    with core_world(tmp_path_factory.mktemp("eppclient-poll"), pki, schema_check) as w:
        yield w


class Store:
    """Where a caller records messages' effects, keyed by msgID (a table, in real life)."""

    def __init__(self, fail_after_recording: int = 0) -> None:
        self.effects: dict[str, object] = {}
        self.records = 0
        self._failures = fail_after_recording

    async def record(self, message) -> None:
        self.records += 1
        self.effects[message.id] = message
        if self._failures:
            self._failures -= 1
            raise RuntimeError("crashed after recording, before the ack")

    async def recorded(self, message_id: str) -> bool:
        return message_id in self.effects


async def empty_queue(epp) -> None:
    await drain(epp, Store().record, Store().recorded)


async def transfer_requested(world, name: str) -> None:
    async with EppClient(client_config(world, "reg2")) as reg2:
        await reg2.domain_transfer("request", name, STRONG)


def test_poll_loop_records_each_message_then_acks_it(world):
    names = [fresh(), fresh()]
    store = Store()

    async def body():
        async with EppClient(client_config(world)) as epp:
            await empty_queue(epp)
            for name in names:
                await epp.domain_create(name, auth_info=STRONG)
                world.end_grace_periods(name)
            stop = asyncio.Event()
            loop = asyncio.create_task(poll_loop(epp, store.record, store.recorded,
                                                 interval=0.1, stop=stop))
            for name in names:
                await transfer_requested(world, name)
            await wait_for_async("both messages recorded", lambda: len(store.effects) == 2, 60)
            stop.set()
            await loop
            return await poll_request(epp)

    left = asyncio.run(body())
    assert left is None
    assert store.records == 2
    transfers = [m.transfer for m in store.effects.values()]
    assert {t.name for t in transfers} == set(names)
    assert {(t.status, t.requested_by, t.action_by) for t in transfers} == {
        ("pending", "reg2", "reg1")}
    texts = {m.response.frame.count(n.encode()) > 0 for m in store.effects.values()
             for n in names}
    assert texts == {True, False}  # each message names one of the two domains


def test_a_recorded_message_whose_ack_never_came_is_not_recorded_again(world):
    name = fresh()
    store = Store(fail_after_recording=1)

    async def body():
        async with EppClient(client_config(world)) as epp:
            await empty_queue(epp)
            await epp.domain_create(name, auth_info=STRONG)
            world.end_grace_periods(name)
            await transfer_requested(world, name)
            with pytest.raises(RuntimeError):
                await drain(epp, store.record, store.recorded)
            still_queued = await poll_request(epp)
            handled = await drain(epp, store.record, store.recorded)
            return still_queued, handled, await poll_request(epp)

    still_queued, handled, left = asyncio.run(body())
    assert still_queued is not None and still_queued.id in store.effects
    assert handled == 0 and store.records == 1 and left is None


@pytest.mark.parametrize("with_change_poll", [True, False])
def test_registry_changes_are_read_with_or_without_change_poll(world, with_change_poll):
    name = fresh()
    extensions = EXTENSIONS if with_change_poll else tuple(
        e for e in EXTENSIONS if e != CHANGE_POLL)

    async def body():
        async with EppClient(client_config(world, extensions=extensions)) as epp:
            await empty_queue(epp)
            await epp.domain_create(name, auth_info=STRONG)
            world.reach_expiry(name)
            await epp.domain_info(name)  # the registry auto-renews it on this touch
            return await poll_request(epp)

    message = asyncio.run(body())
    assert name.encode() in message.response.frame
    assert message.change.operation == "autoRenew" and message.change.who
    if with_change_poll:
        assert message.unhandled == ()
    else:
        [kept] = message.unhandled
        assert kept.namespace == CHANGE_POLL
        assert kept.reason == f"{CHANGE_POLL} not in login services"
        assert b"changeData" in kept.xml()


def test_a_purge_after_redemption_comes_as_a_pending_action(world):
    name = fresh("fast")  # no grace or pending periods: the purge happens at once

    async def body():
        async with EppClient(client_config(world)) as epp:
            await empty_queue(epp)
            await epp.domain_create(name, auth_info=STRONG)
            await epp.domain_delete(name)
            with pytest.raises(CommandFailed):
                await epp.domain_info(name)  # this touch purges it
            return await poll_request(epp)

    message = asyncio.run(body())
    action = message.pending_action
    assert action.name == name and action.succeeded and action.sv_trid
    assert message.change.operation == "autoPurge"
