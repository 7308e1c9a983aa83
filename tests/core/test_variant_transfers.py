"""Transfers keep a variant bundle whole (docs/epp.md, "Variant bundles and transfers"): a
variant's own transfer is refused naming the bundle's primary; the primary's approved
transfer (by the losing registrar or the registry) moves its allocated variants with it,
unbilled and with their expiry; a variant that may not move holds the request back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from registry.flows.domain_create import DomainCreate
from registry.flows.domain_delete import DomainDelete
from registry.flows.domain_info import DomainInfoQuery
from registry.flows.domain_transfer import (
    DomainTransferApprove,
    DomainTransferQuery,
    DomainTransferReject,
    DomainTransferRequest,
)
from registry.flows.domain_update import DomainUpdate
from registry.flows.host_create import HostCreate
from registry.flows.host_info import HostInfoQuery
from registry.models import Domain, Transfer
from registry.periods import add_years
from registry.values import HostAddress, Period
from tests.core.db_state import refused
from tests.core.lgr_tables import HAN
from tests.core.test_idn import load
from tests.core.test_transfers import kinds
from tests.core.world import STRONG

# 国 and 國 are allocatable variants of each other (tests/core/lgr_tables.py): the four
# two-letter labels they make share one variant key.
PRIMARY, VARIANT, SECOND = ("\u56fd\u56fd.example", "\u56fd\u570b.example",
                            "\u570b\u56fd.example")
ALABEL = {n: n.encode("idna").decode() for n in (PRIMARY, VARIANT, SECOND)}
DAYS_5 = timedelta(days=5)  # the test TLD's transfer pending period


def bundle(world, alice) -> dict[str, object]:
    """A primary and one allocated variant, alice's, a day apart (the oldest is the
    primary); their created results by name."""
    load(world, HAN)
    made = {PRIMARY: world.run(DomainCreate(PRIMARY, authinfo=STRONG), alice).result}
    world.clock.advance(days=1)
    made[VARIANT] = world.run(DomainCreate(VARIANT, authinfo=STRONG), alice).result
    return made


def info(world, name, actor):
    return world.run(DomainInfoQuery(name), actor).result


def test_a_variant_alone_is_not_transferred(world, alice, bob):
    bundle(world, alice)
    error = refused(world, 2305, DomainTransferRequest(VARIANT, STRONG), bob)
    assert f"{ALABEL[VARIANT]} is an allocated variant of {ALABEL[PRIMARY]}" in error.reason
    assert f"with a transfer of {ALABEL[PRIMARY]}" in error.reason
    # without the variant's authInfo the requester learns nothing of its bundle
    error = world.fails(2202, DomainTransferRequest(VARIANT, "Wr0ng-AuthInfo-x-12345"), bob)
    assert "variant" not in error.reason


def test_the_primary_takes_its_variants_along(world, alice, bob):
    made = bundle(world, alice)
    world.run(HostCreate(f"ns1.{ALABEL[VARIANT]}", (HostAddress("192.0.2.1"),)), alice)
    world.clock.advance(days=20)
    # rejected: nothing moves
    world.run(DomainTransferRequest(PRIMARY, STRONG), bob)
    world.run(DomainTransferReject(PRIMARY), alice)
    assert {info(world, n, alice).sponsor for n in (PRIMARY, VARIANT)} == {"alice"}
    kinds(world, alice), kinds(world, bob)

    alice_before, bob_before = world.registrar(alice).balance, world.registrar(bob).balance
    world.run(DomainTransferRequest(PRIMARY, STRONG, period=Period(1)), bob)
    world.run(DomainTransferApprove(PRIMARY), alice)
    # one transfer billed, the primary's; the variant moves as it is
    assert world.registrar(bob).balance == bob_before - 800
    assert world.registrar(alice).balance == alice_before
    primary, variant = info(world, PRIMARY, bob), info(world, VARIANT, bob)
    assert primary.sponsor == variant.sponsor == "bob"
    assert primary.expires_at == add_years(made[PRIMARY].expires_at, 1)
    assert variant.expires_at == made[VARIANT].expires_at
    assert variant.transferred_at == primary.transferred_at == world.clock.now()
    assert not variant.has_authinfo and variant.rgp_statuses == ()  # add grace ended
    assert world.run(HostInfoQuery(f"ns1.{ALABEL[VARIANT]}"), bob).result.sponsor == "bob"
    world.fails(2201, DomainInfoQuery(VARIANT), alice)
    # the variant's transfer query answers, and both poll queues name it
    moved = world.run(DomainTransferQuery(VARIANT), bob).result.transfer
    assert (moved.status, moved.gaining_clid, moved.losing_clid) == \
        ("clientApproved", "bob", "alice")
    assert moved.expires_at == made[VARIANT].expires_at
    assert kinds(world, bob) == [("domain_transfer", "clientApproved")] * 2
    rows = world.task(lambda ctx: ctx.session.execute(
        select(Transfer.object_name, Transfer.amount, Transfer.period_years)
        .where(Transfer.status == "clientApproved").order_by(Transfer.id)).all())
    assert rows == [(ALABEL[PRIMARY], 800, 1), (ALABEL[VARIANT], 0, 0)]
    # the bundle is bob's now: his to add to, no longer alice's
    error = world.fails(2306, DomainCreate(SECOND, authinfo=STRONG), alice)
    assert "another registrar sponsors" in error.reason
    world.run(DomainCreate(SECOND, authinfo=STRONG), bob)


def test_auto_approval_moves_the_bundle(world, alice, bob):
    bundle(world, alice)
    world.run(DomainTransferRequest(PRIMARY, STRONG), bob)
    requested = world.clock.now()
    kinds(world, alice)
    world.clock.advance(days=5, seconds=1)
    # settled by any reader of the primary: the registry approves, both names move
    assert info(world, PRIMARY, bob).sponsor == "bob"
    variant = info(world, VARIANT, bob)
    assert variant.sponsor == "bob" and variant.transferred_at == requested + DAYS_5
    assert kinds(world, alice) == [("domain_transfer", "serverApproved")] * 2
    assert kinds(world, bob) == [("domain_transfer", "serverApproved")] * 2


def test_a_variant_that_may_not_move_holds_the_bundle_back(world, alice, bob):
    bundle(world, alice)
    world.run(DomainUpdate(VARIANT, add_statuses=("clientTransferProhibited",)), alice)
    error = refused(world, 2304, DomainTransferRequest(PRIMARY, STRONG), bob)
    assert (f"variant {ALABEL[VARIANT]} of {ALABEL[PRIMARY]} has status "
            "clientTransferProhibited: cannot move with it") in error.reason
    world.run(DomainUpdate(VARIANT, rem_statuses=("clientTransferProhibited",)), alice)
    world.clock.advance(days=10)  # past the add grace: a delete starts the redemption
    world.run(DomainDelete(VARIANT), alice)
    error = refused(world, 2304, DomainTransferRequest(PRIMARY, STRONG), bob)
    assert f"variant {ALABEL[VARIANT]} of {ALABEL[PRIMARY]} is pending deletion" in \
        error.reason


def test_a_split_bundle_may_join_its_primary(world, alice, bob):
    """A bundle split before this rule (the variant with another registrar): the variant
    may go to the primary's sponsor, to no one else."""
    bundle(world, alice)
    world.task(lambda ctx: ctx.session.execute(
        update(Domain).where(Domain.name == ALABEL[VARIANT]).values(
            sponsor_id=bob.registrar_id)))
    carol = world.add_registrar("carol")
    world.fails(2305, DomainTransferRequest(VARIANT, STRONG), carol)
    world.run(DomainTransferRequest(VARIANT, STRONG), alice)
    world.run(DomainTransferApprove(VARIANT), bob)
    assert info(world, VARIANT, alice).sponsor == "alice"
    assert info(world, PRIMARY, alice).sponsor == "alice"  # the primary stayed
