"""A real PowerDNS (managed by zonegen itself) for the whole test session, on free ports."""

from __future__ import annotations

import itertools
import shutil
import socket

import pytest

from zonegen.config import PowerDnsSettings
from zonegen.pdnsdb import PdnsDb
from zonegen.probe import DnsProbe
from zonegen.server import ManagedPowerDns

_zone_numbers = itertools.count(1)


def free_port() -> int:
    """A port free for both TCP and UDP on loopback."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port


def need_pdns() -> None:
    if not shutil.which("pdns_server") or not shutil.which("pdnsutil"):
        pytest.skip("PowerDNS is not installed: apt-get install pdns-server "
                    "pdns-backend-sqlite3")


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
