"""One command carries at most [registry] max_objects_per_command items in any one part."""

from __future__ import annotations

from registry.flows.contact_check import ContactCheck
from registry.flows.domain_check import DomainCheck
from registry.flows.domain_create import DomainCreate
from registry.flows.host_check import HostCheck
from registry.values import Trid
from tests.core.world import STRONG

LIMIT = 100  # the default


def test_checks_of_more_names_than_the_limit_are_refused(world, alice):
    names = tuple(f"n{i}.example" for i in range(LIMIT + 1))
    error = world.fails(2306, DomainCheck(names), alice)
    assert error.reason == f"at most {LIMIT} names in one command, not {LIMIT + 1}: split it"
    world.fails(2306, HostCheck(tuple(f"ns.{n}" for n in names)), alice)
    world.fails(2306, ContactCheck(tuple(f"c{i}" for i in range(LIMIT + 1))), alice)
    assert len(world.run(DomainCheck(names[:LIMIT]), alice).result.names) == LIMIT


def test_every_part_of_a_command_is_held_to_the_limit(world, alice):
    contacts = tuple(("tech", f"c{i}") for i in range(LIMIT + 1))
    error = world.fails(2306, DomainCreate("big.example", contacts=contacts, authinfo=STRONG),
                        alice)
    assert "at most 100 contacts" in error.reason


def test_a_batch_answers_an_oversized_check_alone(world, alice):
    big = DomainCheck(tuple(f"n{i}.example" for i in range(LIMIT + 1)))
    small = DomainCheck(("free.example",))
    answers = world.registry.execute_batch(
        [(small, alice, Trid.new()), (big, alice, Trid.new()), (small, alice, Trid.new())])
    assert answers[1].code == 2306
    assert [a.result.names[0].available for a in (answers[0], answers[2])] == [True, True]


def test_the_limit_is_configured(world, alice):
    world.registry.settings = type(world.registry.settings)(max_objects_per_command=3)
    world.fails(2306, DomainCheck(("a.example", "b.example", "c.example", "d.example")), alice)
    assert world.run(DomainCheck(("a.example", "b.example", "c.example")), alice).code == 1000
