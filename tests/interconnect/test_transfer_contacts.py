"""A name transferred in through an upstream gets our contacts there, by the upstream's
policy (registrar/upstream_contacts.py): the user's registrant (and admin and tech for
``all``) set with one domain:update once the transfer's message made it the user's, the
losing registrar's removed; nothing for ``none``. A lost answer (a crash after the update
was sent is the same) is settled by info at the next try, never sent twice; a refusal is
kept for the operators (reconciliation shows it) and mailed to the user once. The registry
is an EPP client stand-in behind the real upstream backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from eppclient import CommandFailed, OutcomeUnknown, RegistryConfig
from eppclient.commands import Command
from eppclient.contact import ContactInfo
from eppclient.domain import DomainInfo, TransferStatus
from eppclient.responses import Availability
from registrar import upstream_contacts
from registrar.backends.remote import RemoteRegistry, Upstream
from registrar.models import SiteDomain, SiteUser
from registrar.reconcile import reconcile
from registrar.upstream_poll import apply
from tests.interconnect.fake_registry import DOMAIN, Link, core_with_upstream, response
from tests.interconnect.test_upstream_poll import message
from tests.registrar.conftest import (  # noqa: F401
    TEST_SETTINGS,
    database,
    funded_user,
    mails,
    world,
)

LOSER = ("loser-reg", (("admin", "loser-adm"), ("billing", "loser-adm"), ("tech", "loser-tech")))
DETAILS = {"name": "Ann Example", "city": "Paris", "cc": "FR", "street": ["1 Main Street"]}


class TransferRegistry:
    """A registry holding x.far, sponsored by another registrar with its own contacts, that
    takes our transfer request, and our contacts and domain:update as its client shows."""

    clid = "site1"

    def __init__(self, now: datetime) -> None:
        self.expires = now + timedelta(days=365)
        self.registrant, self.contacts = LOSER[0], LOSER[1]
        self.contact_objects: dict[str, tuple[str, object]] = {}
        self.updates: list[tuple] = []
        self.lose_next_update = False
        self.refuse_updates = False

    def offers(self, uri: str) -> bool:
        return False  # flat prices

    async def domain_check(self, *names, fees=()):
        return [Availability(n, False, "In use") for n in names]

    async def domain_transfer(self, op, name, auth_info=None, years=None, price=None):
        return TransferStatus(name, "pending", "site1", None, "other", None, None, None,
                              response(1001))

    async def domain_info(self, name, auth_info=None, hosts="all"):
        return DomainInfo(name, "R1", ("ok",), self.registrant, tuple(self.contacts), (), (),
                          "site1", "other", None, None, None, self.expires, None, None)

    async def domain_update(self, name, *, add, rem, registrant=None, **_):
        self.updates.append((name, registrant, add.contacts, rem.contacts))
        if self.refuse_updates:
            raise CommandFailed(response(2305))
        self.registrant = registrant or self.registrant
        self.contacts = tuple(sorted((set(self.contacts) - set(rem.contacts))
                                     | set(add.contacts)))
        if self.lose_next_update:
            self.lose_next_update = False
            raise OutcomeUnknown(Command("update", "domain", name, b""), OSError("cut"))
        return response(1000)

    async def contact_info(self, handle, auth_info=None):
        if handle not in self.contact_objects:
            raise CommandFailed(response(2303))
        sponsor, contact = self.contact_objects[handle]
        return ContactInfo(contact, "C1", ("ok",), sponsor, None, None)

    async def contact_create(self, new):
        self.contact_objects[new.id] = ("site1", new)

    async def contact_update(self, handle, *, postal, voice, email):
        sponsor, held = self.contact_objects[handle]
        self.contact_objects[handle] = (sponsor, replace(held, postal=postal, voice=voice,
                                                         email=email))


def approved(msg_id: str, name: str) -> object:
    return message(msg_id, f'<resData><domain:trnData xmlns:domain="{DOMAIN}"><domain:name>'
                           f"{name}</domain:name><domain:trStatus>clientApproved"
                           "</domain:trStatus><domain:reID>site1</domain:reID><domain:reDate>"
                           "2026-01-01T00:00:00Z</domain:reDate><domain:acID>other"
                           "</domain:acID><domain:acDate>2026-01-02T00:00:00Z</domain:acDate>"
                           "</domain:trnData></resData>")


def transferred_in(world, tmp_path, contacts: str,  # noqa: F811
                   details: dict | None = DETAILS, told_by=None):
    """A user of ours who transferred x.far in; the transfer's approval applied (read from
    ``told_by``'s queue: far's own by default)."""
    registry = TransferRegistry(world.clock.now())
    core = core_with_upstream(world, tmp_path, TEST_SETTINGS, registry, "far",
                              flat_prices=(("transfer", "8.00"),), contacts=contacts)
    user = funded_user(core, world)
    if details:
        core.set_contact(user.id, details)
    order = core.place_order(user.id, [{"name": "x.far", "operation": "transfer",
                                        "auth_code": "their-Code-1"}])
    assert order.items[0].status == "done", order.items[0].error
    remote = told_by or core.reads(lambda ctx: core.upstreams.backends(ctx))[0]
    core.tx(lambda ctx: apply(ctx, core.backend, remote, TEST_SETTINGS, approved("31", "x.far")))
    return core, registry, user


def held(core) -> SiteDomain:
    return core.reads(lambda ctx: ctx.session.scalars(select(SiteDomain).where(
        SiteDomain.name == "x.far")).one())


def handle(core, user) -> str:
    return core.reads(lambda ctx: ctx.session.get(SiteUser, user.id).contact_id)


@pytest.mark.parametrize("policy, roles", [
    ("registrant", lambda h: ()), ("all", lambda h: (("admin", h), ("tech", h)))])
def test_our_contacts_replace_the_losing_registrars(world, tmp_path, policy, roles):  # noqa: F811
    core, registry, user = transferred_in(world, tmp_path, policy)
    row = held(core)
    assert row.state == "active" and row.contacts_due_at is not None
    assert upstream_contacts.adopt_due(core.tx, core.backend) == 1
    ours = handle(core, user)
    assert registry.registrant == ours and registry.contacts == roles(ours)
    assert registry.contact_objects[ours][0] == "site1"  # made there, by us
    assert held(core).contacts_due_at is None
    # done: the next rounds send nothing
    assert upstream_contacts.adopt_due(core.tx, core.backend) == 0
    assert len(registry.updates) == 1


def test_marked_by_the_tld_when_another_upstreams_queue_told_us(world, tmp_path):  # noqa: F811
    """Two upstreams on one account at a registry share its queue: the message may come
    through the other one; the name's own upstream (by TLD) decides."""
    config = RegistryConfig("near", "127.0.0.1", 1, tmp_path, tmp_path, tmp_path, "site1", "pw")
    near = RemoteRegistry(Upstream("near", ("near",), "USD", None, {}, "none"),
                          Link(config, TransferRegistry(world.clock.now())))
    core, _, _ = transferred_in(world, tmp_path, "registrant", told_by=near)
    assert held(core).contacts_due_at is not None
    assert upstream_contacts.adopt_due(core.tx, core.backend) == 1


def test_none_leaves_the_registrys_contacts(world, tmp_path):  # noqa: F811
    core, registry, _ = transferred_in(world, tmp_path, "none")
    assert held(core).contacts_due_at is None
    assert upstream_contacts.adopt_due(core.tx, core.backend) == 0
    assert (registry.registrant, registry.contacts) == LOSER and registry.updates == []


def test_a_lost_answer_is_settled_by_info_never_sent_twice(world, tmp_path):  # noqa: F811
    core, registry, user = transferred_in(world, tmp_path, "registrant")
    registry.lose_next_update = True      # as a crash right after the update was sent
    assert upstream_contacts.adopt_due(core.tx, core.backend) == 0
    row = held(core)
    assert row.contacts_due_at > world.clock.now() and "answer was lost" in row.contacts_error
    assert mails(world, "transfer_contacts_failed") == []   # not the user's business
    assert upstream_contacts.adopt_due(core.tx, core.backend) == 0  # not due yet
    world.clock.advance(upstream_contacts.RETRY + timedelta(seconds=1))
    assert upstream_contacts.adopt_due(core.tx, core.backend) == 1
    assert len(registry.updates) == 1 and registry.registrant == handle(core, user)
    assert held(core).contacts_error is None


def test_a_refusal_is_reported_to_the_user_once_and_to_the_operators(world, tmp_path):  # noqa: F811
    core, registry, _ = transferred_in(world, tmp_path, "registrant")
    registry.refuse_updates = True
    for _ in range(2):
        assert upstream_contacts.adopt_due(core.tx, core.backend) == 0
        world.clock.advance(upstream_contacts.RETRY + timedelta(seconds=1))
    assert len(registry.updates) == 2                      # tried again, later
    (told,) = mails(world, "transfer_contacts_failed")     # mailed once
    assert told["values"]["name"] == "x.far" and told["values"]["reason"]
    assert "far: " in held(core).contacts_error
    [line] = reconcile(core.tx, core.upstreams, "far")
    assert line.startswith("x.far: the previous registrar's contacts are still on it")
    registry.refuse_updates = False
    assert upstream_contacts.adopt_due(core.tx, core.backend) == 1
    assert reconcile(core.tx, core.upstreams, "far") == []


def test_without_registrant_details_the_user_is_asked_for_them(world, tmp_path):  # noqa: F811
    core, registry, user = transferred_in(world, tmp_path, "registrant", details=None)
    assert upstream_contacts.adopt_due(core.tx, core.backend) == 0
    (told,) = mails(world, "transfer_contacts_failed")
    assert "account page" in told["values"]["reason"] and registry.updates == []
    core.set_contact(user.id, DETAILS)
    world.clock.advance(upstream_contacts.RETRY + timedelta(seconds=1))
    assert upstream_contacts.adopt_due(core.tx, core.backend) == 1
    assert registry.registrant == handle(core, user)

