"""RDAP fixtures: one populated registry per module and database kind, and a server on it."""

from __future__ import annotations

import pytest

from tests.rdds.rdds_world import RdapServer, populate, registry_on


@pytest.fixture(scope="module", params=["sqlite", "mariadb"])
def registered(request, tmp_path_factory, sqlite_template):
    url = request.getfixturevalue("mariadb_migrated") if request.param == "mariadb" else None
    with registry_on(request.param, tmp_path_factory.mktemp("rdap"), sqlite_template,
                     url) as world:
        yield populate(world)


@pytest.fixture(scope="module")
def server(registered):
    server = RdapServer(registered.world.registry)
    yield server
    server.stop()
