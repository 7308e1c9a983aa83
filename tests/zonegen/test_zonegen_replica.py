"""The scale path for PowerDNS secondaries (deploy/powerdns.md): a MariaDB replica of the
gmysql database, and a PowerDNS on the replica's side. zonegen writes into the primary's
database; the secondary answers the change, signed alike (keys and metadata replicate with the
records), with no NOTIFY and no transfer.

Two MariaDB servers of the test's own on free ports (tests/private_mariadb.py; the shared one
on 3306 is never touched), a primary with a binary log and a replica of it (GTID), a managed
PowerDNS on each; all on loopback, all stopped by PID.
"""

from __future__ import annotations

import os
import subprocess

import dns.dnssec
import pymysql
import pytest
from zonegen_helpers import free_port, make_spec, need_pdns

from tests.private_mariadb import private_mariadb
from tests.waiting import wait_for
from zonegen.config import PowerDnsSettings
from zonegen.model import Delegation
from zonegen.pdnsdb import PdnsDb
from zonegen.probe import DnsProbe, ProbeError, check_delegation
from zonegen.server import ManagedPowerDns
from zonegen.writer import ZoneWriter
from zonegen.zones import ensure_zone

pytestmark = [pytest.mark.pdns, pytest.mark.mariadb]

ZONE = "replicated."
DS = "12345 13 2 " + "ab" * 32


def sql(port: int, statement: str) -> list[tuple]:
    conn = pymysql.connect(host="127.0.0.1", port=port, user="root", password="",
                           autocommit=True, ssl_disabled=True)
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
            return list(cursor.fetchall())
    finally:
        conn.close()


def gmysql(directory, name: str, port: int, **kw) -> PowerDnsSettings:
    return PowerDnsSettings(data_dir=str(directory / name), port=free_port(),
                            webserver_port=free_port(), backend="gmysql", mysql_port=port,
                            mysql_user="root", mysql_database="pdns", **kw)


@pytest.fixture
def replicated(tmp_path):
    """(primary PowerDNS, secondary PowerDNS): each on its own private MariaDB."""
    need_pdns()
    if subprocess.run(["dpkg", "-s", "pdns-backend-mysql"], capture_output=True
                      ).returncode != 0 and not os.path.exists(
                          "/usr/lib/x86_64-linux-gnu/pdns/libgmysqlbackend.so"):
        pytest.skip("pdns-backend-mysql is not installed")
    binlog = ("--server-id=1", "--log-bin=binlog", "--binlog-format=ROW")
    with private_mariadb(tmp_path / "db-primary", free_port(), binlog) as source, \
            private_mariadb(tmp_path / "db-replica", free_port(), ("--server-id=2",)) as replica:
        sql(replica.port, f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', "
                          f"MASTER_PORT={source.port}, MASTER_USER='root', "
                          "MASTER_USE_GTID=slave_pos")
        sql(replica.port, "START SLAVE")
        sql(source.port, "CREATE DATABASE pdns CHARACTER SET latin1")
        servers: list[ManagedPowerDns] = []
        try:
            primary = ManagedPowerDns(gmysql(tmp_path, "pdns-primary", source.port))
            servers.append(primary)
            primary.start()            # makes the schema (and zonegen's index) on the primary
            ensure_zone(primary.api(), make_spec(ZONE))
            # the replica-side PowerDNS learns zones at its start (then every
            # zone-cache-refresh-interval) and caches keys and metadata: it starts once the
            # signed zone is there (deploy/powerdns.md)
            wait_for("the replica has the signed zone",
                     lambda: sql(replica.port, "SELECT count(*) FROM pdns.cryptokeys k JOIN "
                                 f"pdns.domains d ON d.id = k.domain_id WHERE d.name = "
                                 f"'{ZONE[:-1]}'") == [(2,)],
                     20, lambda: str(sql(replica.port, "SHOW SLAVE STATUS")))
            # it only reads what replication brings: no caches, nothing older than the replica
            secondary = ManagedPowerDns(gmysql(tmp_path, "pdns-secondary", replica.port,
                                               cache_ttl=0, query_cache_ttl=0,
                                               negquery_cache_ttl=0))
            servers.append(secondary)
            secondary.start()
            yield primary, secondary
        finally:
            for server in reversed(servers):
                server.stop()


def test_a_change_on_the_primary_is_served_by_the_replicas_powerdns(replicated) -> None:
    primary, secondary = replicated
    api = primary.api()
    spec = make_spec(ZONE)
    db = PdnsDb.open(primary.settings)
    try:
        writer = ZoneWriter(db, api.flush_cache)
        info = db.domain(ZONE)
        probe = DnsProbe("127.0.0.1", secondary.settings.port)
        states = [
            Delegation(f"new.{ZONE}", ("ns1.example.net.", f"ns.new.{ZONE}"),
                       {f"ns.new.{ZONE}": ["192.0.2.1"]}),
            Delegation(f"new.{ZONE}", ("ns1.example.net.",), ds=(DS,)),   # NS and DS change
            None,                                                          # deleted
        ]
        for state in states:
            writer.write_one(spec, f"new.{ZONE}", state)

            def served(state=state) -> bool:
                try:
                    return check_delegation(probe, ZONE, info.denial, f"new.{ZONE}", state,
                                            probe.dnskeys(ZONE)) == []
                except (ProbeError, dns.dnssec.ValidationFailure):
                    return False       # the zone or its keys not replicated yet
            wait_for(f"the secondary serves new.{ZONE} as {state}, signed", served, 20,
                     lambda: str(sql(secondary.settings.mysql_port, "SHOW SLAVE STATUS")))
        # the same keys sign on both sides: they replicated with the zone
        assert probe.dnskeys(ZONE) == DnsProbe("127.0.0.1", primary.settings.port).dnskeys(ZONE)
    finally:
        db.close()
