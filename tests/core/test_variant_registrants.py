"""A variant bundle keeps one registrant (docs/epp.md, "Variant bundles and registrants"):
a registrant change on the primary carries to its allocated variants in the same
transaction; one asked on a variant alone is refused naming the primary; names outside the
bundle keep theirs."""

from __future__ import annotations

from sqlalchemy import select, update

from registry.flows.domain_create import DomainCreate
from registry.flows.domain_update import DomainUpdate
from registry.flows.poll_messages import PollAck, PollRequest
from registry.models import Contact, Domain, HistoryEntry
from tests.core.db_state import refused
from tests.core.lgr_tables import HAN
from tests.core.objects import domain_info, make_contact
from tests.core.test_idn import load
from tests.core.test_variant_transfers import ALABEL, PRIMARY, SECOND, VARIANT
from tests.core.world import STRONG

# outside the bundle: another bundle (中国, 中國), a name alone under its key (中中), ASCII
OTHER_BUNDLE = ("\u4e2d\u56fd.example", "\u4e2d\u570b.example")
OUTSIDE = (*OTHER_BUNDLE, "\u4e2d\u4e2d.example", "plain.example")


def bundles(world, alice, registrant: str) -> None:
    """PRIMARY with two allocated variants, a day apart, and the names outside it, all
    alice's and ``registrant``'s."""
    load(world, HAN)
    for name in (PRIMARY, VARIANT, SECOND, *OUTSIDE):
        world.run(DomainCreate(name, authinfo=STRONG, registrant=registrant), alice)
        world.clock.advance(days=1)


def registrants(world, names) -> dict[str, str | None]:
    return {name: domain_info(world, name).registrant for name in names}


def messages(world, actor) -> list[tuple[str, dict]]:
    out = []
    while (msg := world.run(PollRequest(), actor).result.message) is not None:
        out.append((msg.kind, msg.payload))
        world.run(PollAck(str(msg.id)), actor)
    return out


def test_the_primary_carries_its_registrant_to_its_variants(world, alice):
    one, two = make_contact(world, alice, "holder-1"), make_contact(world, alice, "holder-2")
    bundles(world, alice, one)
    messages(world, alice)
    world.run(DomainUpdate(PRIMARY, registrant=two), alice)
    assert registrants(world, (PRIMARY, VARIANT, SECOND)) == dict.fromkeys(
        (PRIMARY, VARIANT, SECOND), two)
    assert registrants(world, OUTSIDE) == dict.fromkeys(OUTSIDE, one)
    # each variant's history says why; its sponsor hears of it
    reasons = world.task(lambda ctx: ctx.session.execute(
        select(HistoryEntry.object_name, HistoryEntry.reason, HistoryEntry.snapshot)
        .where(HistoryEntry.command == "domain_update").order_by(HistoryEntry.id)).all())
    assert [(n, r) for n, r, _ in reasons] == [
        (ALABEL[PRIMARY], ""),
        (ALABEL[VARIANT], f"variant of {ALABEL[PRIMARY]}, registrant changed with it"),
        (ALABEL[SECOND], f"variant of {ALABEL[PRIMARY]}, registrant changed with it")]
    assert all(snap["registrant"] == two for _, _, snap in reasons)
    assert messages(world, alice) == [
        ("domain_variant_registrant",
         {"name": ALABEL[v], "primary": ALABEL[PRIMARY], "registrant": two})
        for v in (VARIANT, SECOND)]
    # updates other than the registrant's go on as before on a variant
    world.run(DomainUpdate(SECOND, add_statuses=("clientHold",)), alice)


def test_a_registrant_change_on_a_variant_alone_is_refused(world, alice):
    one, two = make_contact(world, alice, "holder-1"), make_contact(world, alice, "holder-2")
    bundles(world, alice, one)
    for asked in (two, ""):  # another registrant, or none
        error = refused(world, 2305, DomainUpdate(VARIANT, registrant=asked), alice)
        assert error.reason == (
            f"{ALABEL[VARIANT]} is an allocated variant of {ALABEL[PRIMARY]}: a variant "
            f"bundle keeps one registrant, changed with an update of {ALABEL[PRIMARY]}")
    # the same registrant again changes nothing of the bundle and is no split
    world.run(DomainUpdate(VARIANT, registrant=one), alice)
    # a name alone under its key, or without variants, changes alone
    alone = OUTSIDE[2:]
    for name in alone:
        world.run(DomainUpdate(name, registrant=two), alice)
    assert registrants(world, alone) == dict.fromkeys(alone, two)
    assert registrants(world, (PRIMARY, VARIANT, SECOND, *OTHER_BUNDLE)) == dict.fromkeys(
        (PRIMARY, VARIANT, SECOND, *OTHER_BUNDLE), one)


def test_a_locked_variant_holds_the_primary_back(world, alice):
    one, two = make_contact(world, alice, "holder-1"), make_contact(world, alice, "holder-2")
    bundles(world, alice, one)
    world.run(DomainUpdate(SECOND, add_statuses=("clientUpdateProhibited",)), alice)
    error = refused(world, 2304, DomainUpdate(PRIMARY, registrant=two), alice)
    assert error.reason == (f"variant {ALABEL[SECOND]} of {ALABEL[PRIMARY]} has status "
                            "clientUpdateProhibited: cannot change registrant with it")
    world.run(DomainUpdate(SECOND, rem_statuses=("clientUpdateProhibited",)), alice)
    world.run(DomainUpdate(PRIMARY, registrant=two), alice)
    assert set(registrants(world, (PRIMARY, VARIANT, SECOND)).values()) == {two}


def test_a_split_variant_may_rejoin_its_primary_registrant(world, alice):
    """A bundle split before this rule: the variant may take the primary's registrant
    again, no other."""
    one, two = make_contact(world, alice, "holder-1"), make_contact(world, alice, "holder-2")
    three = make_contact(world, alice, "holder-3")
    bundles(world, alice, one)
    world.task(lambda ctx: ctx.session.execute(
        update(Domain).where(Domain.name == ALABEL[VARIANT]).values(
            registrant_id=select(Contact.id).where(Contact.handle == two)
            .scalar_subquery())))
    assert domain_info(world, VARIANT).registrant == two
    refused(world, 2305, DomainUpdate(VARIANT, registrant=three), alice)
    world.run(DomainUpdate(VARIANT, registrant=one), alice)
    assert set(registrants(world, (PRIMARY, VARIANT, SECOND)).values()) == {one}
