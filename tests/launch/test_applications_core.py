"""Launch applications in the core (RFC 8334 3.3.5), on SQLite and MariaDB, with the
injected clock: a landrush that takes applications, the allocation rule for contended
names, and what allocation does when a name was reserved or a contact went meanwhile;
money stays consistent with the ledger throughout."""

from __future__ import annotations

from datetime import timedelta

import pytest

from registry.admin.tlds import add_reserved
from registry.errors import EppError
from registry.flows.contact_delete import ContactDelete
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_info import DomainInfoQuery
from registry.launch.allocation import allocate
from registry.launch.applications import applications_of
from registry.launch.create import LaunchCreate
from registry.launch.phases import set_phase
from tests.core.invariants import check_invariants
from tests.core.objects import make_contact
from tests.core.world import PRICES, START, STRONG

LANDRUSH = LaunchCreate("landrush", kind="application")


@pytest.fixture
def landrush(world, tld):
    world.task(lambda ctx: set_phase(ctx, "example", "landrush", START - timedelta(days=1),
                                     START + timedelta(days=10), applications=True))


def apply(world, actor, name: str, **kwargs) -> str:
    response = world.run(DomainCreate(name, authinfo=STRONG, launch=LANDRUSH, **kwargs),
                         actor)
    assert response.code == 1001
    return response.result.application.application_id


def statuses(world) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row, clid in world.task(lambda ctx: applications_of(ctx, "example")):
        out.setdefault(row.name, []).append(f"{clid}:{row.status}")
    return out


def test_allocation_rule_and_refunds(world, alice, bob, landrush):
    start = world.registrar(alice).balance, world.registrar(bob).balance
    ours = apply(world, alice, "contested.example")
    theirs = apply(world, bob, "contested.example")
    apply(world, alice, "single.example")
    apply(world, bob, "reserved-later.example")
    handle = make_contact(world, alice, "gone-1")
    apply(world, alice, "contactless.example", registrant=handle)
    world.run(ContactDelete(handle), alice)  # an application does not hold its contacts
    world.task(lambda ctx: add_reserved(ctx, "example", "reserved-later"))
    assert world.registrar(alice).balance == start[0] - 3 * PRICES["create"]

    with pytest.raises(EppError, match="still taking applications"):
        world.task(lambda ctx: allocate(ctx, "example"))
    world.clock.advance(days=11)
    result = {a.name: (a.outcome, a.reason)
              for a in world.task(lambda ctx: allocate(ctx, "example"))}
    assert result["contested.example"] == ("contended", "")
    assert result["single.example"][0] == "allocated"
    assert result["reserved-later.example"] == ("rejected", "the name is reserved")
    assert result["contactless.example"][0] == "rejected"
    assert "does not exist" in result["contactless.example"][1]

    with pytest.raises(EppError, match="one winner"):
        world.task(lambda ctx: allocate(ctx, "example", (int(ours), int(theirs))))
    world.task(lambda ctx: allocate(ctx, "example", (int(theirs),)))
    assert statuses(world) == {
        "contested.example": ["alice:rejected", "bob:allocated"],
        "single.example": ["alice:allocated"],
        "reserved-later.example": ["bob:rejected"],
        "contactless.example": ["alice:rejected"]}
    info = world.run(DomainInfoQuery("contested.example"), bob).result
    assert info.expires_at == world.clock.now() + timedelta(days=365)
    # alice paid for single only; bob for contested only
    assert world.registrar(alice).balance == start[0] - PRICES["create"]
    assert world.registrar(bob).balance == start[1] - PRICES["create"]
    assert world.task(lambda ctx: allocate(ctx, "example")) == []  # nothing pending
    world.task(check_invariants)
