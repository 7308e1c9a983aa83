"""Migrations: every revision runs on SQLite and MariaDB, and data written at the first
revision survives the upgrade to head."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from registry.db import Database, make_engine
from registry.flows.context import Actor
from registry.flows.domain_info import DomainInfoQuery
from registry.migrate import MIGRATIONS, current_revision, head_revision, upgrade
from registry.models import Base, Event
from registry.service import Registry
from tests.databases import scratch_mariadb

WHEN = datetime(2026, 3, 1, 12, 0, 0)


def first_revision() -> str:
    return ScriptDirectory(str(MIGRATIONS)).get_base()


@pytest.fixture(params=["sqlite", "mariadb"])
def empty_engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
        yield engine
        engine.dispose()
        return
    with scratch_mariadb("pyrar_mig") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def seed_first_revision(engine) -> dict[str, list[dict]]:
    """One plausible row per table, written with the first revision's own columns."""
    meta = sa.MetaData()
    meta.reflect(engine)
    rows = {
        "registrars": dict(id=1, clid="oldreg", name="Old", email="o@example.net", status="ok",
                           password_hash="x", allowed_networks=[], currency="USD",
                           balance=500, credit_limit=0, low_balance_notified=False,
                           created_at=WHEN, cert_fingerprint="a" * 64),
        "tlds": dict(id=1, name="old", created_at=WHEN, dns={}),
        "prices": dict(id=1, tld_id=1, operation="create", currency="USD", amount=1000),
        "ledger": dict(id=1, registrar_id=1, at=WHEN, kind="payment", amount=500,
                       balance_after=500, currency="USD", description="seed"),
        "contacts": dict(id=1, handle="oldcontact", sponsor_id=1, creator_id=1,
                         created_at=WHEN, statuses=[], email="c@example.net",
                         postal={"int": {"name": "N", "city": "C", "cc": "FR", "street": []}}),
        "domains": dict(id=1, name="kept.old", tld_id=1, sponsor_id=1, creator_id=1,
                        created_at=WHEN, expires_at=WHEN.replace(year=2030), statuses=[],
                        state="active", registrant_id=1, next_event_at=WHEN.replace(year=2030)),
        "hosts": dict(id=1, name="ns1.kept.old", sponsor_id=1, creator_id=1, created_at=WHEN,
                      superordinate_id=1, statuses=[], addresses=["192.0.2.1"]),
        "domain_hosts": dict(domain_id=1, host_id=1),
        "domain_contacts": dict(domain_id=1, contact_id=1, type="tech"),
        "ds_records": dict(id=1, domain_id=1, key_tag=1, algorithm=13, digest_type=2,
                           digest="AB" * 32),
    }
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            if table.name in rows:
                values = {k: _json(table.c[k], v) for k, v in rows[table.name].items()
                          if k in table.c}
                conn.execute(table.insert().values(**_defaults(table, values)))
    with engine.connect() as conn:
        return {t.name: [dict(r._mapping) for r in conn.execute(sa.select(t))]
                for t in meta.sorted_tables if t.name in rows}


def _json(column: sa.Column, value):
    """MariaDB reflects JSON columns as LONGTEXT: hand it the text."""
    if isinstance(value, dict | list) and not isinstance(column.type, sa.JSON):
        return json.dumps(value)
    return value


def _defaults(table: sa.Table, values: dict) -> dict:
    """Fill the NOT NULL columns a later schema may have added to the seed's tables."""
    for column in table.c:
        if column.name in values or column.nullable or column.primary_key:
            continue
        if column.server_default is None:
            values[column.name] = _zero(column.type)
    return values


def _zero(kind):
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 0
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.DateTime):
        return WHEN
    return ""


def test_data_survives_upgrade_from_the_first_revision(empty_engine):
    upgrade(empty_engine, first_revision())
    before = seed_first_revision(empty_engine)
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    meta = sa.MetaData()
    meta.reflect(empty_engine)
    with empty_engine.connect() as conn:
        for name, rows in before.items():
            after = [dict(r._mapping) for r in conn.execute(sa.select(meta.tables[name]))]
            assert len(after) == len(rows), name
            for old, new in zip(rows, after, strict=True):
                kept = {k: new[k] for k in old if k in new}
                assert kept == {k: old[k] for k in kept}, name
        # 0004 moved the money into an account row of its own
        account = meta.tables["registrar_accounts"]
        assert conn.execute(sa.select(account.c.registrar_id, account.c.balance)).all() == \
            [(1, 500)]
        # 0020 indexed the hosts' addresses
        host_ips = meta.tables["host_ips"]
        assert conn.execute(sa.select(host_ips.c.address, host_ips.c.host_id)).all() == \
            [("192.0.2.1", 1)]
    # the head code reads the migrated rows
    registry = Registry(Database(empty_engine))
    info = registry.execute(DomainInfoQuery("kept.old"), Actor.operator("test")).result
    assert info.nameservers == ("ns1.kept.old",) and info.registrant == "oldcontact"


def test_head_schema_matches_the_models(empty_engine):
    """Autogenerate finds nothing to do: the migrations build exactly what models declare."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from registrar.models import SiteBase

    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn),
                                [Base.metadata, SiteBase.metadata])
    assert diff == []


def test_upgrade_twice_is_a_no_op(empty_engine):
    upgrade(empty_engine)
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()


def test_dns_outbox_rows_become_events_of_the_dns_consumer(empty_engine):
    """0003: changes zonegen had not published yet keep their order as "dns" events; a
    downgrade gives them back."""
    from registry.migrate import alembic_config

    upgrade(empty_engine, "0001")
    meta = sa.MetaData()
    meta.reflect(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(meta.tables["dns_outbox"].insert(), [
            {"zone": "old", "owner": "b.old", "created_at": WHEN},
            {"zone": "old", "owner": "a.old", "created_at": WHEN.replace(minute=5)}])
    upgrade(empty_engine)
    assert "dns_outbox" not in sa.inspect(empty_engine).get_table_names()
    registry = Registry(Database(empty_engine))
    events = registry.run(lambda ctx: [
        (e.consumer, e.kind, e.payload, e.created_at.replace(tzinfo=None), e.attempts,
         e.dead_at) for e in ctx.session.scalars(sa.select(Event).order_by(Event.id))])
    assert events == [
        ("dns", "dns.changed", {"zone": "old", "owner": "b.old"}, WHEN, 0, None),
        ("dns", "dns.changed", {"zone": "old", "owner": "a.old"}, WHEN.replace(minute=5), 0,
         None)]

    from alembic import command
    cfg = alembic_config(empty_engine)
    with empty_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    with empty_engine.connect() as conn:
        back = conn.execute(sa.text("SELECT zone, owner FROM dns_outbox ORDER BY id")).all()
    assert [tuple(r) for r in back] == [("old", "b.old"), ("old", "a.old")]
