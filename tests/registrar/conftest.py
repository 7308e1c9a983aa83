"""The registrar core on a registry with a house registrar, on SQLite and MariaDB (the core
suite's database fixture), with argon2 at a test cost."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from registrar.config import RegistrarSettings
from registrar.core import RegistrarCore
from registry.events.store import claim
from registry.flows.context import Actor
from registry.models import Event
from tests.core.conftest import database  # noqa: F401 - the shared fixture
from tests.core.world import World

# fixed, not generated: pytest imports this module twice (as conftest and by name)
TEST_SECRET_KEY = base64.urlsafe_b64encode(b"pyrar-tests-sealing-key-32-bytes").decode()
# RFC 9106's second option costs 64 MiB and ~0.1 s a hash: the tests hash many passwords
TEST_SETTINGS = RegistrarSettings(argon2_time_cost=1, argon2_memory_kib=256,
                                  argon2_parallelism=1, site_url="https://site.test",
                                  secret_key=TEST_SECRET_KEY)
PASSWORD = "correct horse battery"


@pytest.fixture
def world(database):  # noqa: F811
    from registry.clock import FixedClock
    from registry.service import Registry
    from tests.core.world import SETTINGS, START
    clock = FixedClock(START)
    w = World(Registry(database, clock, SETTINGS), clock)
    w.add_tld("example")
    w.add_tld("test", prices={"create": 2000, "renew": 1500, "transfer": 1500,
                              "restore": 4000})
    w.add_registrar("house", balance=1_000_000)
    return w


@pytest.fixture
def core(world) -> RegistrarCore:
    return RegistrarCore(world.registry, TEST_SETTINGS)


def mails(world, template: str | None = None) -> list[dict]:
    """The mails queued in the outbox (payloads), oldest first."""
    rows = world.registry.read(lambda s: claim(s, "mail", world.clock.now(), 1000))
    return [r.payload for r in rows if template is None or r.payload["template"] == template]


def funded_user(core: RegistrarCore, world, email: str = "ann@example.net",
                amount: int = 100_000):
    user = core.register(email, PASSWORD)
    core.verify_email(mails(world, "verify")[-1]["values"]["token"])
    core.add_funds(user.id, amount, "test funds")
    return user


def events(world, consumer: str) -> list:
    return world.registry.read(lambda s: list(s.scalars(select(Event).where(
        Event.consumer == consumer))))


def operator() -> Actor:
    return Actor.operator("test")
