"""The user's registrant contact at an upstream (registrar/backends/remote.py): made there
private before the user's first name, sent as registrant (and as admin and tech to a
thick registry, not at all to a minimum one), brought up to date when it differs, asked
for once per process while it is known current; a handle another registrar holds there
refused; a create whose answer was lost settled by info, never sent again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from eppclient import CommandFailed, OutcomeUnknown, RegistryConfig
from eppclient.commands import Command
from eppclient.contact import ContactInfo
from eppclient.domain import DomainCreated
from registrar.backends.remote import RemoteRegistry, Upstream
from registrar.contacts import PRIVATE
from registry.errors import AuthorizationError
from registry.values import PostalInfo
from tests.interconnect.fake_registry import Link, response

PARIS = PostalInfo("int", "Ann Example", "Paris", "FR", None, ("1 Main Street",))
LYON = replace(PARIS, city="Lyon")


class ContactRegistry:
    """A registry's contacts and creates, as its EPP client would show them."""

    clid = "site1"

    def __init__(self) -> None:
        self.contacts: dict[str, tuple[str, object]] = {}  # handle: (sponsor, contact)
        self.sent: list[tuple] = []
        self.lose_next_answer = False

    def offers(self, uri: str) -> bool:
        return False

    async def contact_info(self, handle, auth_info=None):
        self.sent.append(("info", handle))
        if handle not in self.contacts:
            raise CommandFailed(response(2303))
        sponsor, contact = self.contacts[handle]
        return ContactInfo(contact, "C1", ("ok",), sponsor, None, None)

    async def contact_create(self, new):
        self.sent.append(("create", new.id, new.withheld))
        self.contacts[new.id] = ("site1", new)
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise OutcomeUnknown(Command("create", "contact", new.id, b""), OSError("cut"))

    async def contact_update(self, handle, *, postal, voice, email):
        self.sent.append(("update", handle))
        sponsor, held = self.contacts[handle]
        self.contacts[handle] = (sponsor, replace(held, postal=postal, voice=voice,
                                                  email=email))

    async def domain_create(self, name, *, auth_info, years=1, registrant=None, contacts=(),
                            price=None):
        self.sent.append(("domain", name, registrant, contacts))
        return DomainCreated(name, None, datetime(2027, 1, 1, tzinfo=UTC), None,
                             response(1000))


def upstream(tmp_path, contacts: str) -> tuple[RemoteRegistry, ContactRegistry]:
    registry = ContactRegistry()
    config = RegistryConfig("far", "127.0.0.1", 1, tmp_path, tmp_path, tmp_path, "site1", "pw")
    return RemoteRegistry(Upstream("far", ("far",), "USD", None, {}, contacts),
                          Link(config, registry)), registry


def test_the_registrant_is_made_there_and_kept_current(tmp_path):
    remote, registry = upstream(tmp_path, "registrant")
    remote.ensure_contact("u1-abc", PARIS, "ann@example.net", "+33.1234", PRIVATE)
    remote.create(None, "x.far", 1, "auth-Code-1", 1000, "u1-abc")
    assert registry.sent == [
        ("info", "u1-abc"), ("create", "u1-abc", PRIVATE.fields),
        ("domain", "x.far", "u1-abc", ())]
    # known current in this process: the next create asks nothing of the contact
    registry.sent.clear()
    remote.ensure_contact("u1-abc", PARIS, "ann@example.net", "+33.1234", PRIVATE)
    assert registry.sent == []
    # changed on the site: updated there
    assert remote.sync_contact("u1-abc", LYON, "ann@example.net", "+33.1234")
    assert registry.contacts["u1-abc"][1].postal[0].city == "Lyon"
    assert registry.sent == [("info", "u1-abc"), ("update", "u1-abc")]
    # a registry the contact is not at: nothing sent but the question
    assert not remote.sync_contact("u9-zzz", LYON, "bob@example.net", None)


def test_thick_and_minimum_registries(tmp_path):
    thick, registry = upstream(tmp_path, "all")
    thick.create(None, "x.far", 1, "auth-Code-1", 1000, "u1-abc")
    assert registry.sent == [("domain", "x.far", "u1-abc",
                              (("admin", "u1-abc"), ("tech", "u1-abc")))]
    minimum, registry = upstream(tmp_path, "none")
    minimum.ensure_contact("u1-abc", PARIS, "ann@example.net", None, PRIVATE)
    minimum.create(None, "y.far", 1, "auth-Code-1", 1000, "u1-abc")
    assert registry.sent == [("domain", "y.far", None, ())]


def test_another_registrars_handle_is_refused(tmp_path):
    remote, registry = upstream(tmp_path, "registrant")
    registry.contacts["u1-abc"] = ("other", object())
    with pytest.raises(AuthorizationError, match="belongs to another registrar"):
        remote.ensure_contact("u1-abc", PARIS, "ann@example.net", None, PRIVATE)
    assert [s[0] for s in registry.sent] == ["info"]


def test_a_lost_create_is_settled_by_info(tmp_path):
    remote, registry = upstream(tmp_path, "registrant")
    registry.lose_next_answer = True
    remote.ensure_contact("u1-abc", PARIS, "ann@example.net", None, PRIVATE)
    assert [s[0] for s in registry.sent] == ["info", "create", "info"]
    assert registry.contacts["u1-abc"][0] == "site1"
