"""CoreBackend in this process, on a migrated SQLite file: what a login costs and what the
session keeps of it. (The wire tests run eppd in a subprocess, where nothing can be counted.)"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from eppd.backend import CommandRequest, SessionInfo
from eppd.core_backend import CoreBackend, RegistrarRef
from eppd.namespaces import CONTACT, DOMAIN, EPP, FEE
from eppd.parsing import parse_frame
from eppd.requests import read_request
from registry.admin.registrars import add_registrar
from registry.admin.tlds import add_tld, set_price
from registry.db import Database, make_engine
from registry.flows.context import Actor
from registry.migrate import upgrade
from registry.service import Registry
from tests.sql_log import statements

PASSWORD = "secret-pw-1"
FINGERPRINT = "ab" * 32


@dataclass
class Core:
    registry: Registry
    reg1: int  # the registrar's id


@pytest.fixture
def core(tmp_path) -> Iterator[Core]:
    engine = make_engine(f"sqlite:///{tmp_path / 'registry.sqlite3'}")
    upgrade(engine)
    registry = Registry(Database(engine))

    def work(ctx):
        add_tld(ctx, "example")
        set_price(ctx, "example", "create", "EUR", 900)
        return add_registrar(ctx, "reg1", password=PASSWORD, credit_limit=0,
                             fingerprints=(FINGERPRINT,), currency="EUR").id

    yield Core(registry, registry.run(work, Actor.operator("test")))
    registry.close()


def test_login_is_one_transaction_whose_result_the_session_keeps(core):
    backend = CoreBackend(core.registry)
    with statements() as sql:
        result = backend.authenticate("reg1", PASSWORD, None, FINGERPRINT, "127.0.0.1")
    assert result.code == 1000
    assert result.principal == RegistrarRef(core.reg1, "reg1", "EUR")
    assert [s for s in sql if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"]
    with statements() as sql:
        refused = backend.authenticate("reg1", "wrong-pw-1", None, FINGERPRINT, "127.0.0.1")
    assert (refused.code, refused.principal) == (2200, None)
    assert [s for s in sql if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"]


def test_commands_use_what_login_found_without_looking_the_registrar_up(core):
    principal = CoreBackend(core.registry).authenticate(
        "reg1", PASSWORD, None, FINGERPRINT, "127.0.0.1").principal
    other = CoreBackend(core.registry)  # another backend of the process: the session suffices
    with statements() as sql:
        reply = other.execute(request(principal, "<check><d:check><d:name>a.example</d:name>"
                                      "</d:check></check><extension><fee:check><fee:command "
                                      'name="create"/></fee:check></extension>'))
    assert reply.code == 1000
    fee = reply.extensions[0]
    assert fee.findtext(f"{{{FEE}}}currency") == "EUR"  # the currency login found
    # the flow loads its registrar once (fee quotes are billed to it); nothing else asks
    assert sum("FROM registrars" in s for s in sql) == 1


def test_a_session_not_logged_in_by_a_core_backend_is_refused(core):
    with pytest.raises(TypeError, match="not logged in here"):
        CoreBackend(core.registry).execute(request(None, "<check><d:check><d:name>a.example"
                                                    "</d:name></d:check></check>"))


def request(principal: RegistrarRef | None, body: str) -> CommandRequest:
    doc = parse_frame(
        f'<epp xmlns="{EPP}" xmlns:d="{DOMAIN}" xmlns:fee="{FEE}"><command>{body}'
        "<clTRID>t-1</clTRID></command></epp>".encode())
    command = read_request(doc)
    session = SessionInfo("reg1", frozenset({DOMAIN, CONTACT}), frozenset({FEE}), FINGERPRINT,
                          "127.0.0.1", principal)
    return CommandRequest(session, command.verb, command.object_uri, command.element,
                          command.cl_trid, "sv-1")
