"""Core fixtures: the same tests on a migrated SQLite file and on a fresh MariaDB database."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import text

from registry.clock import FixedClock
from registry.db import Database, make_engine
from registry.flows.context import Actor
from registry.migrate import upgrade
from registry.models import Base
from registry.service import Registry
from tests.core.world import START, World


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "registry.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def mariadb_migrated(mariadb_url):
    engine = make_engine(mariadb_url)
    upgrade(engine)
    engine.dispose()
    return mariadb_url


@pytest.fixture(params=["sqlite", "mariadb"])
def database(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "registry.sqlite3"
        shutil.copy(sqlite_template, path)
        db = Database(make_engine(f"sqlite:///{path}"))
    else:
        url = request.getfixturevalue("mariadb_migrated")
        db = Database(make_engine(url))
        with db.engine.begin() as conn:
            conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
            for table in Base.metadata.sorted_tables:
                conn.execute(text(f"TRUNCATE TABLE `{table.name}`"))
            conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))
    yield db
    db.dispose()


@pytest.fixture
def world(database) -> World:
    clock = FixedClock(START)
    return World(Registry(database, clock), clock)


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
