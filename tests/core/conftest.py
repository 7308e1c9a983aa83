"""Core fixtures: the same tests on a copy of a migrated SQLite file and on the session's
MariaDB database, emptied."""

from __future__ import annotations

import shutil

import pytest

from registry.clock import FixedClock
from registry.db import Database, make_engine
from registry.flows.context import Actor
from registry.service import Registry
from tests.core.world import SETTINGS, START, World
from tests.databases import empty_tables


@pytest.fixture(params=["sqlite", "mariadb"])
def database(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "registry.sqlite3"
        shutil.copy(sqlite_template, path)
        db = Database(make_engine(f"sqlite:///{path}"))
    else:
        db = Database(make_engine(request.getfixturevalue("mariadb_migrated")))
        empty_tables(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def world(database) -> World:
    clock = FixedClock(START)
    return World(Registry(database, clock, SETTINGS), clock)


@pytest.fixture
def tld(world):
    world.add_tld("example")
    return "example"


@pytest.fixture
def alice(world, tld) -> Actor:
    return world.add_registrar("alice")


@pytest.fixture
def bob(world, tld) -> Actor:
    return world.add_registrar("bob")
