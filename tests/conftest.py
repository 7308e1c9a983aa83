"""Fixtures every part of the suite shares: a MariaDB database per test session (per xdist
worker), migrated once, and a migrated SQLite file that tests copy."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from registry.db import make_engine
from registry.migrate import upgrade
from tests.databases import scratch_mariadb


@pytest.fixture(scope="session")
def mariadb_url():
    """URL of a database created for this test session and dropped after it."""
    with scratch_mariadb("pyrar_test") as url:
        yield make_url(url).update_query_dict({"charset": "utf8mb4"}).render_as_string(
            hide_password=False)


@pytest.fixture(scope="session")
def mariadb_migrated(mariadb_url):
    """``mariadb_url`` with the schema migrated; tests empty it with databases.empty_tables."""
    engine = make_engine(mariadb_url)
    upgrade(engine)
    engine.dispose()
    return mariadb_url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated, empty SQLite file: copying it is much cheaper than migrating."""
    path = tmp_path_factory.mktemp("template") / "registry.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path
