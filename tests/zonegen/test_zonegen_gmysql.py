"""The same writer and sync against PowerDNS's gmysql backend (production) on MariaDB."""

from __future__ import annotations

import os
import subprocess
import uuid

import pymysql
import pytest
from zonegen_helpers import (
    assert_rectify_changes_nothing,
    free_port,
    make_spec,
    need_pdns,
    tricky_delegations,
    zone_rows,
)

from zonegen.config import PowerDnsSettings
from zonegen.model import Delegation
from zonegen.pdnsdb import PdnsDb
from zonegen.probe import DnsProbe, check_delegation
from zonegen.server import ManagedPowerDns
from zonegen.sync import ZoneSync
from zonegen.writer import OwnerChange, ZoneWriter
from zonegen.zones import ensure_zone

pytestmark = [pytest.mark.pdns, pytest.mark.mariadb]


@pytest.fixture(scope="module")
def mysql_pdns(tmp_path_factory):
    need_pdns()
    if not os.path.exists("/usr/lib/x86_64-linux-gnu/pdns/libgmysqlbackend.so") and \
            subprocess.run(["dpkg", "-s", "pdns-backend-mysql"], capture_output=True
                           ).returncode != 0:
        pytest.skip("pdns-backend-mysql is not installed")
    try:
        admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="",
                                autocommit=True)
    except pymysql.MySQLError as e:
        pytest.skip(f"MariaDB is not reachable at 127.0.0.1:3306 as root: {e}")
    # a name of its own: a pid repeats, and a killed run leaves its database behind
    database = f"pyrar_zonegen_{uuid.uuid4().hex[:10]}"
    admin.cursor().execute(f"CREATE DATABASE {database} CHARACTER SET latin1")
    settings = PowerDnsSettings(
        backend="gmysql", mysql_user="root", mysql_password="", mysql_database=database,
        data_dir=str(tmp_path_factory.mktemp("pdns-mysql")), port=free_port(),
        webserver_port=free_port())
    server = ManagedPowerDns(settings)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {database}")
        admin.close()


@pytest.fixture
def mdb(mysql_pdns):
    db = PdnsDb.open(mysql_pdns.settings)
    yield db
    db.close()


def test_writer_on_gmysql(mysql_pdns, mdb, zone_name) -> None:
    api = mysql_pdns.api()
    spec = make_spec(zone_name)
    ensure_zone(api, spec)
    dels = tricky_delegations(zone_name)
    writer = ZoneWriter(mdb, api.flush_cache)
    result = writer.write(spec, [OwnerChange(d.name, d) for d in dels])
    assert len(result.changed) == len(dels)
    assert writer.write(spec, [OwnerChange(d.name, d) for d in dels]).changed == []
    writer.write(spec, [OwnerChange(f"c.co.{zone_name}", None)])
    assert_rectify_changes_nothing(mysql_pdns, mdb, zone_name)
    probe = DnsProbe("127.0.0.1", mysql_pdns.settings.port)
    info = mdb.domain(zone_name)
    keys = probe.dnskeys(zone_name)
    faults = [f for d in dels if d.name != f"c.co.{zone_name}"
              for f in check_delegation(probe, zone_name, info.denial, d.name, d, keys)]
    faults += check_delegation(probe, zone_name, info.denial, f"c.co.{zone_name}", None, keys)
    assert faults == []


def test_sync_on_gmysql(mysql_pdns, mdb, zone_name) -> None:
    api = mysql_pdns.api()
    spec = make_spec(zone_name)
    ensure_zone(api, spec)
    dels = tricky_delegations(zone_name)
    sync = ZoneSync(mdb, api.flush_cache)
    first = sync.sync(spec, dels)
    assert first.inserted > 0
    assert_rectify_changes_nothing(mysql_pdns, mdb, zone_name)
    again = sync.sync(spec, dels)
    assert (again.inserted, again.deleted) == (0, 0)
    rows = zone_rows(mdb, zone_name)
    changed = [*dels[1:], Delegation(f"new.{zone_name}", ("ns.example.net.",))]
    third = sync.sync(spec, changed)
    assert third.deleted > 0 and third.inserted > 0
    assert sync.sync(spec, dels).changed
    assert [r for r in zone_rows(mdb, zone_name) if r.type != "SOA"] == \
        [r for r in rows if r.type != "SOA"]
    assert sync.sync(spec, dels, rewrite=True).inserted == len(rows)
