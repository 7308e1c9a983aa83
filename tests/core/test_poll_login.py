"""The poll queue (FIFO, ack, msgQ count) and login (password, certificate, network)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.admin.registrars import get_registrar, update_registrar
from registry.flows.context import Actor
from registry.flows.domain_check import DomainCheck
from registry.flows.poll_messages import PollAck, PollRequest
from registry.flows.session_login import Login
from registry.models import HistoryEntry
from registry.poll import enqueue
from tests.core.db_state import refused
from tests.core.world import START

PASSWORD = "secret-pw-1"  # what World.add_registrar gives every registrar
CLIENT = Actor.client("alice")  # a client before login, claiming to be alice


def fingerprint(clid: str) -> str:
    """World.add_registrar's certificate fingerprint for ``clid``."""
    return f"{len(clid):064x}"


def queue(world, actor, *messages: str, at=None) -> list[int]:
    def work(ctx):
        rows = [enqueue(ctx, actor.registrar_id, "test", m, {"n": m}, at) for m in messages]
        ctx.session.flush()
        return [r.id for r in rows]
    return world.task(work)


# --- poll -----------------------------------------------------------------------------------

def test_empty_queue(world, alice):
    r = world.run(PollRequest(), alice)
    assert (r.code, r.result.message) == (1300, None)
    assert (r.queue.count, r.queue.first_id) == (0, None)


def test_poll_is_fifo_with_ack(world, alice):
    ids = queue(world, alice, "first", "second", "third")
    r = world.run(PollRequest(), alice)
    assert r.code == 1301
    assert (r.result.message.id, r.result.message.message) == (ids[0], "first")
    assert (r.result.message.payload, r.result.message.created_at) == ({"n": "first"}, START)
    assert (r.queue.count, r.queue.first_id) == (3, ids[0])
    # polling again without an ack shows the same message
    assert world.run(PollRequest(), alice).result.message.id == ids[0]
    r = world.run(PollAck(str(ids[0])), alice)
    assert (r.code, r.result.message_id) == (1000, ids[0])
    assert (r.queue.count, r.queue.first_id) == (2, ids[1])
    assert world.run(PollRequest(), alice).result.message.message == "second"
    world.run(PollAck(str(ids[1])), alice)
    world.run(PollAck(str(ids[2])), alice)
    r = world.run(PollRequest(), alice)
    assert (r.code, r.queue.count) == (1300, 0)


def test_queue_order_is_arrival_not_event_time(world, alice):
    """A message backdated to its event (e.g. an expiry) still queues behind older arrivals."""
    first = queue(world, alice, "arrived first")
    queue(world, alice, "backdated", at=START - timedelta(days=3))
    assert world.run(PollRequest(), alice).result.message.id == first[0]


def test_ack_out_of_order(world, alice):
    ids = queue(world, alice, "a", "b", "c")
    world.run(PollAck(str(ids[1])), alice)
    r = world.run(PollRequest(), alice)
    assert (r.result.message.id, r.queue.count) == (ids[0], 2)
    world.run(PollAck(str(ids[0])), alice)
    assert world.run(PollRequest(), alice).result.message.id == ids[2]


def test_every_response_carries_the_queue_count(world, alice):
    queue(world, alice, "a", "b")
    r = world.run(DomainCheck(("x.example",)), alice)
    assert r.queue.count == 2


def test_queues_are_per_registrar(world, alice, bob):
    queue(world, alice, "for alice")
    bobs = queue(world, bob, "for bob")
    assert world.run(PollRequest(), bob).result.message.id == bobs[0]
    assert world.run(PollRequest(), alice).result.message.message == "for alice"


@pytest.mark.parametrize("message_id", ["999999", "0", "-1", "abc", "", "1.0", " 1"])
def test_ack_unknown_message_2303(world, alice, message_id):
    queue(world, alice, "a")
    refused(world, 2303, PollAck(message_id), alice)


def test_ack_another_registrars_message_2303(world, alice, bob):
    (bobs,) = queue(world, bob, "for bob")
    refused(world, 2303, PollAck(str(bobs)), alice)
    assert world.run(PollRequest(), bob).result.message.id == bobs


def test_ack_twice_2303(world, alice):
    (msg,) = queue(world, alice, "a")
    world.run(PollAck(str(msg)), alice)
    refused(world, 2303, PollAck(str(msg)), alice)


# --- login ----------------------------------------------------------------------------------

def login(clid="alice", password=PASSWORD, **kwargs) -> Login:
    kwargs.setdefault("cert_fingerprint", fingerprint(clid))
    kwargs.setdefault("peer_ip", "127.0.0.1")
    return Login(clid, password, **kwargs)


def set_registrar(world, clid, **changes):
    world.task(lambda ctx: update_registrar(ctx, get_registrar(ctx, clid), **changes))


def test_login_with_the_right_triple(world, alice):
    r = world.run(login(), CLIENT)
    assert (r.code, r.result.clid, r.result.registrar_id, r.result.currency) == (
        1000, "alice", alice.registrar_id, "USD")


def test_login_fingerprint_is_case_insensitive(world, alice):
    world.run(login(cert_fingerprint=fingerprint("alice").upper()), CLIENT)


@pytest.mark.parametrize("cmd", [
    login("nobody", cert_fingerprint=fingerprint("alice")),
    login(password="wrong-password"),
    login(password=""),
    login(password=PASSWORD.upper()),
    login(cert_fingerprint="f" * 64),
    login(cert_fingerprint=None),
    login(cert_fingerprint=""),
    login(cert_fingerprint=fingerprint("bob")),  # another registrar's certificate
], ids=["unknown-clid", "wrong-password", "empty-password", "case-of-password",
        "wrong-cert", "no-cert", "empty-cert", "bobs-cert"])
def test_login_failures_2200(world, alice, bob, cmd):
    err = refused(world, 2200, cmd, Actor.client(cmd.clid))
    assert err.reason == "authentication failed"  # the client learns nothing more


def test_bob_cannot_log_in_as_alice_with_his_own_credentials(world, alice, bob):
    refused(world, 2200, login("alice", cert_fingerprint=fingerprint("bob")), CLIENT)
    world.run(login("bob"), Actor.client("bob"))


def test_login_with_the_failover_certificate(world, alice):
    set_registrar(world, "alice", fingerprints=(fingerprint("alice"), "ab" * 32))
    world.run(login(cert_fingerprint="ab" * 32), CLIENT)
    world.run(login(), CLIENT)
    set_registrar(world, "alice", fingerprints=("ab" * 32,))
    refused(world, 2200, login(), CLIENT)


def test_login_from_allowed_networks_only(world, alice):
    set_registrar(world, "alice", networks=("192.0.2.0/24", "2001:db8::/32"))
    world.run(login(peer_ip="192.0.2.77"), CLIENT)
    world.run(login(peer_ip="::ffff:192.0.2.77"), CLIENT)
    world.run(login(peer_ip="2001:db8::5"), CLIENT)
    for ip in ("198.51.100.1", "127.0.0.1", "2001:db9::1", None, "", "not-an-ip"):
        refused(world, 2200, login(peer_ip=ip), CLIENT)


def test_suspended_registrar_cannot_log_in(world, alice):
    set_registrar(world, "alice", status="suspended")
    refused(world, 2200, login(), CLIENT)
    set_registrar(world, "alice", status="ok")
    world.run(login(), CLIENT)


def test_password_change_at_login(world, alice):
    world.clock.advance(minutes=1)
    world.run(login(new_password="brand-new-pw-2"), CLIENT)
    refused(world, 2200, login(), CLIENT)
    world.run(login(password="brand-new-pw-2"), CLIENT)
    changes = world.task(lambda ctx: ctx.session.scalars(select(HistoryEntry.at).where(
        HistoryEntry.object_type == "registrar", HistoryEntry.command == "password_change",
        HistoryEntry.object_name == "alice")).all())
    assert changes == [world.clock.now()]


@pytest.mark.parametrize("new_password", ["short", "", "x" * 129])
def test_bad_new_password_2306_keeps_the_old_one(world, alice, new_password):
    refused(world, 2306, login(new_password=new_password), CLIENT)
    world.run(login(), CLIENT)


def test_no_password_change_when_login_fails(world, alice):
    refused(world, 2200, login(password="wrong-password", new_password="brand-new-pw-2"),
            CLIENT)
    refused(world, 2200, login(cert_fingerprint="f" * 64, new_password="brand-new-pw-2"),
            CLIENT)
    world.run(login(), CLIENT)
