"""External mode, as production runs it: an existing PowerDNS (gmysql on MariaDB) that PyRar
reaches by its API URL and key and its database, never starting or stopping it."""

from __future__ import annotations

import re
import subprocess
import uuid

import pymysql
import pytest
from zonegen_helpers import free_port, need_pdns

from pyrar.cli.main import main
from registry.config import Config
from registry.flows.context import Actor
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_update import DomainUpdate
from registry.flows.host_create import HostCreate
from registry.service import Registry
from registry.values import HostAddress
from zonegen.config import PowerDnsSettings
from zonegen.probe import DnsProbe
from zonegen.server import ManagedPowerDns

pytestmark = [pytest.mark.pdns, pytest.mark.mariadb]
AUTH = "Extern-Str0ng-AuthInfo-0123456789"


@pytest.fixture
def existing_powerdns(tmp_path):
    """A gmysql PowerDNS that someone else runs (started here only to have one)."""
    need_pdns()
    if subprocess.run(["dpkg", "-s", "pdns-backend-mysql"], capture_output=True).returncode:
        pytest.skip("pdns-backend-mysql is not installed")
    admin = pymysql.connect(host="127.0.0.1", user="root", password="", autocommit=True)
    # a name of its own: a pid repeats, and a killed run leaves its database behind
    database = f"pyrar_ext_{uuid.uuid4().hex[:10]}"
    admin.cursor().execute(f"CREATE DATABASE {database} CHARACTER SET latin1")
    settings = PowerDnsSettings(
        backend="gmysql", mysql_user="root", mysql_database=database,
        data_dir=str(tmp_path / "operator-pdns"), port=free_port(), webserver_port=free_port())
    server = ManagedPowerDns(settings)
    try:
        server.start()
        yield settings, server
    finally:
        server.stop()
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {database}")
        admin.close()


def test_sync_into_an_external_powerdns(tmp_path, existing_powerdns):
    settings, server = existing_powerdns
    sandbox = tmp_path / "sandbox"
    assert main(["init", str(sandbox), "--epp-port", str(free_port()), "--dns-port",
                 str(free_port()), "--pdns-api-port", str(free_port())]) == 0
    config_path = sandbox / "pyrar.toml"
    text = config_path.read_text()
    key_file = tmp_path / "api-key"
    key_file.write_text(settings.resolved_api_key(server.base_dir) + "\n")
    external = (
        "[powerdns]\nmode = \"external\"\n"
        f"api_url = \"{settings.resolved_api_url()}\"\napi_key_file = \"{key_file}\"\n"
        f"port = {settings.port}\nbackend = \"gmysql\"\nmysql_user = \"root\"\n"
        f"mysql_database = \"{settings.mysql_database}\"\n")
    config_path.write_text(re.sub(r"\[powerdns\][^\[]*", external, text))

    registry = Registry.from_config(Config.load(config_path))
    try:
        actor = Actor.registrar(1, "registrar1")
        registry.execute(DomainCreate("ext.example", authinfo=AUTH), actor)
        registry.execute(HostCreate("ns1.ext.example", (HostAddress("192.0.2.80"),)), actor)
        registry.execute(DomainUpdate("ext.example", add_nameservers=("ns1.ext.example",)),
                         actor)
    finally:
        registry.close()

    assert main(["--config", str(config_path), "zone", "sync", "example", "--quiet"]) == 0
    reply = DnsProbe("127.0.0.1", settings.port).query("ext.example.", "NS", dnssec=True)
    assert [r.target.to_text() for r in reply.authority[0]] == ["ns1.ext.example."]
    glue = [rr for rr in reply.additional if rr.name.to_text() == "ns1.ext.example."]
    assert glue and glue[0][0].address == "192.0.2.80"
    assert main(["--config", str(config_path), "zone", "verify", "example"]) == 0
    assert server.running  # PyRar did not stop a server it does not own
    assert not (sandbox / "powerdns").exists()  # nor start one of its own
