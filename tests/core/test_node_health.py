"""The health endpoint's verdict (pyrar/health.py) without Galera: the rules on a Galera
node's reported state, a plain MariaDB and a SQLite file reported healthy, an unreachable
database not, and the HTTP answer (200, or 503 with the reason). A non-primary Galera node
marked down by HAProxy through it: tests/scaleout/test_nodes.py."""

from __future__ import annotations

import asyncio
import sqlite3
from urllib.parse import quote

import aiohttp
import pytest

from pyrar import health_http
from pyrar.components import configured
from pyrar.health import Health, HealthSettings, judge, probe
from registry.config import Config, ConfigError
from tests.databases import scratch_mariadb
from tests.zonegen.zonegen_helpers import free_port


@pytest.mark.parametrize(("status", "healthy", "said"), [
    ({"wsrep_cluster_status": "Primary", "wsrep_local_state_comment": "Synced"}, True,
     "Synced in the Primary component"),
    ({"wsrep_cluster_status": "non-Primary", "wsrep_local_state_comment": "Initialized"},
     False, "wsrep_cluster_status non-Primary"),
    ({"wsrep_cluster_status": "Disconnected", "wsrep_local_state_comment": ""}, False,
     "wsrep_cluster_status Disconnected"),
    ({"wsrep_cluster_status": "Primary", "wsrep_local_state_comment": "Donor/Desynced"},
     False, "wsrep_local_state_comment Donor/Desynced"),
    ({"wsrep_cluster_status": "Primary", "wsrep_local_state_comment": "Joining"}, False,
     "not synced"),
    ({}, False, "wsrep_cluster_status unknown"),
])
def test_a_galera_node_is_healthy_only_synced_in_the_primary_component(status, healthy, said):
    verdict = judge(status)
    assert verdict.healthy is healthy and said in verdict.reason, verdict


def test_a_database_that_is_no_galera_node_is_healthy_once_it_answers():
    assert judge(None) == Health(True, "database reachable (not a Galera node)")


def test_a_plain_mariadb_is_healthy_even_with_the_causality_wait_in_its_url():
    with scratch_mariadb("health") as url:
        assert probe(url, 2.0).healthy, probe(url, 2.0)
        waiting = url + "&init_command=" + quote("SET SESSION wsrep_sync_wait=1")
        assert probe(waiting, 2.0) == Health(True, "database reachable (not a Galera node)")


def test_an_unreachable_mariadb_is_unhealthy_and_says_so():
    port = free_port()   # nothing listens there
    verdict = probe(f"mysql+pymysql://root@127.0.0.1:{port}/pyrar?ssl_disabled=1", 1.0)
    assert not verdict.healthy
    assert verdict.reason.startswith("database unreachable: ") and "\n" not in verdict.reason


def test_a_sqlite_file_is_healthy_and_a_missing_one_is_not_made(tmp_path):
    path = tmp_path / "registry.sqlite3"
    sqlite3.connect(path).close()
    assert probe(f"sqlite:///{path}", 1.0).healthy
    missing = tmp_path / "missing.sqlite3"
    verdict = probe(f"sqlite:///{missing}", 1.0)
    assert not verdict.healthy and "no database file" in verdict.reason
    assert not missing.exists()


async def _get(settings: HealthSettings, health: Health) -> tuple[int, str, str]:
    stop = await health_http.start(settings, lambda: health)
    try:
        async with aiohttp.ClientSession() as session, session.get(
                f"http://{settings.host}:{settings.port}/any/path") as response:
            return response.status, response.reason or "", await response.text()
    finally:
        await stop()


def test_the_endpoint_answers_200_when_healthy_and_503_with_the_reason_when_not():
    settings = HealthSettings(port=free_port())
    assert asyncio.run(_get(settings, Health(True, "fine"))) == (200, "fine", "fine\n")
    why = "Galera node not synced (wsrep_local_state_comment Joining)"
    assert asyncio.run(_get(settings, Health(False, why))) == (503, why, why + "\n")


def test_the_endpoint_says_when_its_port_is_taken():
    settings = HealthSettings(port=free_port())

    async def twice() -> None:
        stop = await health_http.start(settings, lambda: Health(True, "fine"))
        try:
            await health_http.start(settings, lambda: Health(True, "fine"))
        finally:
            await stop()
    with pytest.raises(health_http.ListenError, match=r"\[health\] port"):
        asyncio.run(twice())


def test_serve_runs_the_endpoint_only_when_configured(tmp_path):
    assert "health" not in [c.name for c in configured(Config.from_text("", tmp_path, {}))]
    on = Config.from_text("[health]\nserve = true\n", tmp_path, {})
    assert "health" in [c.name for c in configured(on)]
    with pytest.raises(ConfigError, match="timeout_seconds"):
        Config.from_text("[health]\ntimeout_seconds = 0\n", tmp_path, {}).section(
            "health", HealthSettings)


def test_health_check_says_once_whether_the_node_is_healthy(tmp_path, capsys):
    from pyrar.cli.main import main

    config = tmp_path / "pyrar.toml"
    config.write_text('[database]\nurl = "sqlite:///registry.sqlite3"\n')
    assert main(["--config", str(config), "health", "check"]) == 1
    assert capsys.readouterr().err.startswith(
        "pyrar: error: unhealthy: database unreachable: no database file ")
    sqlite3.connect(tmp_path / "registry.sqlite3").close()
    assert main(["--config", str(config), "health", "check"]) == 0
    assert capsys.readouterr().out == "healthy: database reachable (not a Galera node)\n"
