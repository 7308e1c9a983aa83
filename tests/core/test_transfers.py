"""Domain and contact transfers: request, query, approve, reject, cancel, auto-approve."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from registry.flows.contact_create import ContactCreate
from registry.flows.contact_info import ContactInfoQuery
from registry.flows.contact_transfer import (
    ContactTransferApprove,
    ContactTransferCancel,
    ContactTransferQuery,
    ContactTransferReject,
    ContactTransferRequest,
)
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_delete import DomainDelete
from registry.flows.domain_info import DomainInfoQuery
from registry.flows.domain_transfer import (
    DomainTransferApprove,
    DomainTransferCancel,
    DomainTransferQuery,
    DomainTransferReject,
    DomainTransferRequest,
)
from registry.flows.domain_update import DomainUpdate
from registry.flows.host_create import HostCreate
from registry.flows.host_info import HostInfoQuery
from registry.flows.poll_messages import PollAck, PollRequest
from registry.models import Transfer
from registry.periods import add_years
from registry.values import HostAddress, Period, PostalInfo
from tests.core.world import STRONG

DAY = timedelta(days=1)
OTHER = "An0ther-Str0ng-AuthInfo-987654"


def setup_domain(world, owner, name="foo.example"):
    return world.run(DomainCreate(name, authinfo=STRONG), owner).result


def kinds(world, actor):
    out = []
    while (msg := world.run(PollRequest(), actor).result.message) is not None:
        out.append((msg.kind, msg.payload.get("transfer", {}).get("status")))
        world.run(PollAck(str(msg.id)), actor)
    return out


def test_request_and_approve(world, alice, bob):
    created = setup_domain(world, alice)
    world.clock.advance(days=20)
    bob_before = world.registrar(bob).balance
    r = world.run(DomainTransferRequest("foo.example", STRONG, period=Period(1)), bob)
    assert r.code == 1001
    assert r.result.transfer.status == "pending"
    assert r.result.transfer.expires_at == add_years(created.expires_at, 1)
    assert world.registrar(bob).balance == bob_before - 800
    assert "pendingTransfer" in world.run(DomainInfoQuery("foo.example"), alice).result.statuses
    assert kinds(world, alice) == [("domain_transfer", "pending")]
    # both sides may query; a third party needs the authInfo
    carol = world.add_registrar("carol")
    assert world.run(DomainTransferQuery("foo.example"), bob).result.transfer.status == "pending"
    world.fails(2201, DomainTransferQuery("foo.example"), carol)
    assert world.run(DomainTransferQuery("foo.example", STRONG), carol).code == 1000
    # while pending: no updates, no second request
    world.fails(2300, DomainUpdate("foo.example", add_statuses=("clientHold",)), alice)
    world.fails(2300, DomainTransferRequest("foo.example", STRONG), carol)
    world.fails(2201, DomainTransferApprove("foo.example"), bob)
    world.fails(2201, DomainTransferCancel("foo.example"), alice)

    r = world.run(DomainTransferApprove("foo.example"), alice)
    assert r.result.transfer.status == "clientApproved"
    after = world.run(DomainInfoQuery("foo.example"), bob).result
    assert after.sponsor == "bob"
    assert after.expires_at == add_years(created.expires_at, 1)
    assert after.rgp_statuses == ("transferPeriod",)
    assert not after.has_authinfo  # RFC 9154: unset after a transfer
    assert kinds(world, bob) == [("domain_transfer", "clientApproved")]
    world.fails(2301, DomainTransferApprove("foo.example"), bob)
    assert world.run(DomainTransferQuery("foo.example"), bob).result.transfer.status == \
        "clientApproved"


def test_reject_and_cancel_refund_the_gaining_registrar(world, alice, bob):
    setup_domain(world, alice)
    before = world.registrar(bob).balance
    world.run(DomainTransferRequest("foo.example", STRONG), bob)
    world.run(DomainTransferReject("foo.example"), alice)
    assert world.registrar(bob).balance == before
    info = world.run(DomainInfoQuery("foo.example"), alice).result
    assert info.sponsor == "alice" and "pendingTransfer" not in info.statuses
    world.run(DomainTransferRequest("foo.example", STRONG), bob)
    world.run(DomainTransferCancel("foo.example"), bob)
    assert world.registrar(bob).balance == before
    assert kinds(world, bob) == [("domain_transfer", "clientRejected")]
    assert kinds(world, alice) == [("domain_transfer", "pending"),
                                   ("domain_transfer", "pending"),
                                   ("domain_transfer", "clientCancelled")]


def test_auto_approve_after_the_pending_period(world, alice, bob):
    created = setup_domain(world, alice)
    world.run(DomainTransferRequest("foo.example", STRONG), bob)
    requested = world.clock.now()
    world.clock.advance(days=5, seconds=-1)
    assert world.run(DomainInfoQuery("foo.example"), alice).result.sponsor == "alice"
    world.clock.advance(seconds=2)
    info = world.run(DomainInfoQuery("foo.example"), bob).result
    assert info.sponsor == "bob"
    assert info.transferred_at == requested + 5 * DAY
    assert info.expires_at == add_years(created.expires_at, 1)
    assert kinds(world, bob) == [("domain_transfer", "serverApproved")]
    assert kinds(world, alice)[-1] == ("domain_transfer", "serverApproved")


def test_transfer_in_autorenew_grace_refunds_the_loser(world, alice, bob):
    created = setup_domain(world, alice)
    world.clock.set(created.expires_at + 3 * DAY)
    assert world.run(DomainInfoQuery("foo.example"), alice).result.expires_at == \
        add_years(created.expires_at, 1)
    alice_before = world.registrar(alice).balance
    world.run(DomainTransferRequest("foo.example", STRONG), bob)
    world.run(DomainTransferApprove("foo.example"), alice)
    assert world.registrar(alice).balance == alice_before + 1000
    info = world.run(DomainInfoQuery("foo.example"), bob).result
    assert info.expires_at == add_years(created.expires_at, 1)  # auto-renew undone, +1 paid


def test_request_refusals(world, alice, bob):
    setup_domain(world, alice)
    world.fails(2106, DomainTransferRequest("foo.example", STRONG), alice)
    world.fails(2202, DomainTransferRequest("foo.example", OTHER), bob)
    world.fails(2202, DomainTransferRequest("foo.example", ""), bob)
    world.fails(2004, DomainTransferRequest("foo.example", STRONG, period=Period(10)), bob)
    world.fails(2303, DomainTransferRequest("nothere.example", STRONG), bob)
    world.run(DomainUpdate("foo.example", add_statuses=("clientTransferProhibited",)), alice)
    world.fails(2304, DomainTransferRequest("foo.example", STRONG), bob)
    world.run(DomainUpdate("foo.example", rem_statuses=("clientTransferProhibited",),
                           authinfo=""), alice)
    world.fails(2202, DomainTransferRequest("foo.example", STRONG), bob)  # authInfo unset
    world.fails(2301, DomainTransferQuery("foo.example"), alice)
    assert world.task(lambda ctx: ctx.session.scalars(select(Transfer)).all()) == []


def test_transfer_of_a_domain_in_redemption_is_refused(world, alice, bob):
    setup_domain(world, alice)
    world.clock.advance(days=10)
    world.run(DomainDelete("foo.example"), alice)
    world.fails(2304, DomainTransferRequest("foo.example", STRONG), bob)


def test_subordinate_hosts_follow_the_domain(world, alice, bob):
    setup_domain(world, alice)
    world.run(HostCreate("ns1.foo.example", (HostAddress("192.0.2.1"),)), alice)
    world.run(DomainTransferRequest("foo.example", STRONG), bob)
    world.run(DomainTransferApprove("foo.example"), alice)
    host = world.run(HostInfoQuery("ns1.foo.example"), bob).result
    assert host.sponsor == "bob" and host.transferred_at is not None


def test_insufficient_funds_refuses_the_request(world, alice):
    setup_domain(world, alice)
    poor = world.add_registrar("poor", balance=100)
    world.fails(2104, DomainTransferRequest("foo.example", STRONG), poor)
    assert world.registrar(poor).balance == 100


def contact(world, actor, handle="con1"):
    world.run(ContactCreate(handle, (PostalInfo("int", "Jane Doe", "Paris", "FR"),),
                            "jane@example.net", authinfo=STRONG), actor)


def test_contact_transfer_all_operations(world, alice, bob):
    contact(world, alice)
    world.fails(2202, ContactTransferRequest("con1", OTHER), bob)
    world.fails(2106, ContactTransferRequest("con1", STRONG), alice)
    r = world.run(ContactTransferRequest("con1", STRONG), bob)
    assert r.code == 1001 and r.result.transfer.status == "pending"
    assert "pendingTransfer" in world.run(ContactInfoQuery("con1"), alice).result.statuses
    world.run(ContactTransferReject("con1"), alice)
    world.run(ContactTransferRequest("con1", STRONG), bob)
    world.run(ContactTransferCancel("con1"), bob)
    world.run(ContactTransferRequest("con1", STRONG), bob)
    assert world.run(ContactTransferQuery("con1"), bob).result.transfer.status == "pending"
    world.run(ContactTransferApprove("con1"), alice)
    info = world.run(ContactInfoQuery("con1"), bob).result
    assert info.sponsor == "bob" and not info.has_authinfo
    world.fails(2201, ContactInfoQuery("con1"), alice)


def test_contact_transfer_auto_approves(world, alice, bob):
    contact(world, alice)
    world.run(ContactTransferRequest("con1", STRONG), bob)
    world.clock.advance(days=5, seconds=1)
    assert world.run(ContactInfoQuery("con1"), bob).result.sponsor == "bob"
    assert ("contact_transfer", "serverApproved") in kinds(world, alice)
