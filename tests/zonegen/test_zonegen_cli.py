"""``pyrar zone ...`` wired with a desired-state provider, against real PowerDNS servers."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

import pytest
from zonegen_helpers import free_port, make_spec, tricky_delegations

from registry.config import Config
from zonegen.cli import register
from zonegen.model import Delegation
from zonegen.reference_state import ReferenceState

pytestmark = pytest.mark.pdns


class Ctx:
    def __init__(self, path: Path) -> None:
        self.config = Config.load(path, environ={})


def _config(tmp_path: Path, data_dir: Path, port: int, web_port: int) -> Path:
    path = tmp_path / "pyrar.toml"
    path.write_text(f'[powerdns]\ndata_dir = "{data_dir}"\nport = {port}\n'
                    f'webserver_port = {web_port}\ncatalog_zone = "catalog.pyrar."\n')
    return path


def _run(ctx, state, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"), desired=lambda c, a: state)
    args = parser.parse_args(list(argv))
    return args.run(ctx, args)


@pytest.fixture
def state(tmp_path):
    s = ReferenceState(tmp_path / "core.sqlite3")
    yield s
    s.close()


def test_sync_verify_export_ds(pdns, state, zone_name, tmp_path, capsys) -> None:
    s = pdns.settings
    ctx = Ctx(_config(tmp_path, pdns.data_dir, s.port, s.webserver_port))
    state.put_zone(make_spec(zone_name))
    state.bulk_load(zone_name, tricky_delegations(zone_name))

    assert _run(ctx, state, "zone", "sync", zone_name, "--dry-run") == 1  # zone not there yet
    assert "does not exist" in capsys.readouterr().err
    assert _run(ctx, state, "zone", "sync", zone_name) == 0
    out = capsys.readouterr()
    assert f"{zone_name}: 9 delegations" in out.out and "changed +" in out.out
    assert "load: 9/9" in out.err
    assert _run(ctx, state, "zone", "sync", zone_name, "--quiet") == 0
    assert "changed +0 -0" in capsys.readouterr().out
    assert _run(ctx, state, "zone", "sync", zone_name, "--full", "--quiet") == 0
    assert "changed +" in capsys.readouterr().out

    assert _run(ctx, state, "zone", "verify", zone_name, "--sample", "9") == 0
    out = capsys.readouterr().out
    assert "OK" in out and "dnssec-verify" in out and "live answers: 10/10" in out

    zonefile = tmp_path / "zone.txt"
    assert _run(ctx, state, "zone", "export", zone_name, "-o", str(zonefile)) == 0
    assert " RRSIG " in zonefile.read_text().replace("\t", " ")
    assert _run(ctx, state, "zone", "export", zone_name, "--unsigned") == 0
    out = capsys.readouterr().out
    assert f"a.{zone_name}\t3600\tIN\tNS\tns.example.net." in out and "RRSIG" not in out

    assert _run(ctx, state, "zone", "ds", zone_name, "--digest", "2", "--digest", "4") == 0
    out = capsys.readouterr().out
    assert out.count(" IN DS ") == 2 and " IN DNSKEY 257 3 13 " in out

    # a delegation the registry has but DNS lacks makes verify fail
    state.bulk_load(zone_name, [Delegation(f"missing.{zone_name}", ("ns.example.net.",))])
    assert _run(ctx, state, "zone", "verify", zone_name, "--sample", "100") == 1
    assert f"FAULT missing.{zone_name}" in capsys.readouterr().out


def test_commands_start_and_stop_their_own_managed_server(state, zone_name, tmp_path,
                                                          capsys) -> None:
    port, web_port = free_port(), free_port()
    ctx = Ctx(_config(tmp_path, tmp_path / "pdns", port, web_port))
    state.put_zone(make_spec(zone_name))
    state.bulk_load(zone_name, tricky_delegations(zone_name)[:3])
    assert _run(ctx, state, "zone", "sync", zone_name, "--quiet") == 0
    assert "3 delegations" in capsys.readouterr().out
    assert (tmp_path / "pdns" / "api-key").stat().st_mode & 0o777 == 0o600
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", web_port), 0.5):
        pass   # the server it started is gone again
    assert _run(ctx, state, "zone", "ds", zone_name) == 0
    assert " IN DS " in capsys.readouterr().out
    assert _run(ctx, state, "zone", "ds", f"nope-{zone_name}") == 1
    assert "error" in capsys.readouterr().err
