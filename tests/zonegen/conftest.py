"""A real PowerDNS (managed by zonegen itself) for the whole test session, on free ports, and
the registry database the core-driven tests publish from."""

from __future__ import annotations

import itertools

import pytest
from zonegen_core_world import mariadb_database, sqlite_database
from zonegen_helpers import free_port, need_pdns

from zonegen.config import PowerDnsSettings
from zonegen.pdnsdb import PdnsDb
from zonegen.probe import DnsProbe
from zonegen.server import ManagedPowerDns

_zone_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pdns(tmp_path_factory: pytest.TempPathFactory):
    need_pdns()
    data_dir = tmp_path_factory.mktemp("pdns")
    # caches stay on (default TTLs): the tests prove the writer's flushes, not cache-less luck
    settings = PowerDnsSettings(data_dir=str(data_dir), port=free_port(),
                                webserver_port=free_port(), xfr_cycle_interval=1)
    server = ManagedPowerDns(settings)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def api(pdns: ManagedPowerDns):
    return pdns.api()


@pytest.fixture
def db(pdns: ManagedPowerDns):
    conn = PdnsDb.open(pdns.settings)
    yield conn
    conn.close()


@pytest.fixture
def probe(pdns: ManagedPowerDns) -> DnsProbe:
    return DnsProbe("127.0.0.1", pdns.settings.port)


@pytest.fixture
def zone_name() -> str:
    """A TLD name no other test uses in this session."""
    return f"t{next(_zone_numbers)}."


@pytest.fixture(scope="session")
def core_sqlite_template(sqlite_template):
    """The suite's migrated SQLite file (tests/conftest.py), under the name these tests use."""
    return sqlite_template


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def core_database(request, tmp_path, core_sqlite_template):
    """A migrated, empty registry database: a SQLite copy, or the session's MariaDB one."""
    if request.param == "sqlite":
        db = sqlite_database(core_sqlite_template, tmp_path)
    else:
        db = mariadb_database(request.getfixturevalue("mariadb_migrated"))
    yield db
    db.dispose()
