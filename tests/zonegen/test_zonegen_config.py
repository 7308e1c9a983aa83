"""The [powerdns] settings and the managed server's configuration file."""

from __future__ import annotations

import pytest

from registry.config import Config
from zonegen.config import PowerDnsConfigError, PowerDnsSettings
from zonegen.server import ManagedPowerDns, render_config


def test_defaults_and_environment_overrides(tmp_path) -> None:
    path = tmp_path / "pyrar.toml"
    path.write_text('[powerdns]\ndata_dir = "pdns"\nport = 5353\n')
    cfg = Config.load(path, environ={"PYRAR_POWERDNS_WEBSERVER_PORT": "9191",
                                     "PYRAR_POWERDNS_BACKEND": "gmysql"})
    s = cfg.section("powerdns", PowerDnsSettings)
    assert (s.mode, s.port, s.webserver_port, s.backend) == ("managed", 5353, 9191, "gmysql")
    assert s.data_path(cfg.base_dir) == tmp_path / "pdns"
    assert s.sqlite_file(cfg.base_dir) == tmp_path / "pdns" / "pdns.sqlite3"
    assert s.resolved_api_url() == "http://127.0.0.1:9191/api/v1"


def test_managed_api_key_is_generated_outside_the_repo_and_private(tmp_path) -> None:
    s = PowerDnsSettings(data_dir=str(tmp_path / "sandbox"))
    key = s.resolved_api_key()
    key_file = tmp_path / "sandbox" / "api-key"
    assert len(key) >= 32 and key_file.read_text().strip() == key
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert s.resolved_api_key() == key


def test_bad_settings_are_refused() -> None:
    with pytest.raises(PowerDnsConfigError, match="mode"):
        PowerDnsSettings(mode="embedded")
    with pytest.raises(PowerDnsConfigError, match="api_url"):
        PowerDnsSettings(mode="external")
    with pytest.raises(PowerDnsConfigError, match="api_key"):
        PowerDnsSettings(mode="external", api_url="http://127.0.0.1:8081/api/v1"
                         ).resolved_api_key()
    with pytest.raises(ValueError, match="managed"):
        ManagedPowerDns(PowerDnsSettings(mode="external", api_url="http://127.0.0.1:1/api/v1"))
    for coalesce in (-0.001, 0.2):                  # a wait longer than the idle poll's
        with pytest.raises(PowerDnsConfigError, match="coalesce"):
            PowerDnsSettings(coalesce=coalesce, poll_interval=0.1)
    assert PowerDnsSettings(coalesce=0).coalesce == 0


@pytest.mark.parametrize("backend", ["gsqlite3", "gmysql"])
def test_managed_config_notifies_configured_secondaries_only(tmp_path, backend) -> None:
    s = PowerDnsSettings(backend=backend, data_dir=str(tmp_path), port=5399,
                         secondaries=("127.0.0.2", "127.0.0.3:5301", "[::1]:5302"))
    text = render_config(s, tmp_path, "k", tmp_path / "db")
    lines = text.splitlines()
    # empty: no NOTIFY to the zones' NS names, so PowerDNS never resolves them
    assert "only-notify=" in lines
    assert "also-notify=127.0.0.2:53,127.0.0.3:5301,[::1]:5302" in lines
    assert "allow-axfr-ips=127.0.0.0/8,::1,127.0.0.2,127.0.0.3" in lines
    assert "resolver=127.0.0.1:5399" in lines
    assert "webserver-address=127.0.0.1" in lines and "local-address=127.0.0.1" in lines
    assert f"launch={backend}" in lines and f"{backend}-dnssec=yes" in lines
    assert not any(line.startswith("launch+=") for line in lines)


@pytest.mark.parametrize("value", ["ns1.example.net", "127.0.0.1:0", "127.0.0.1:x", "1.2.3"])
def test_secondaries_are_addresses(value) -> None:
    with pytest.raises(PowerDnsConfigError, match="secondaries"):
        PowerDnsSettings(secondaries=(value,))
