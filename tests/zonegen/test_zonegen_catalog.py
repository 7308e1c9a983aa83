"""The catalog zone (RFC 9432 v2), consumed by BIND as an independent secondary."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from named_consumer import NamedConsumer
from zonegen_helpers import free_port, make_spec

from zonegen.catalog import catalog_members, catalog_version, ensure_catalog, set_membership
from zonegen.export import axfr_to_file
from zonegen.zones import ensure_zone

pytestmark = pytest.mark.pdns


def test_catalog_lists_members_and_passes_named_checkzone(pdns, api, zone_name, tmp_path
                                                          ) -> None:
    catalog = f"cat-{zone_name}pyrar."
    assert ensure_catalog(api, catalog)
    assert not ensure_catalog(api, catalog)
    ensure_zone(api, make_spec(zone_name), catalog)
    port = pdns.settings.port
    assert catalog_version(catalog, port=port) == "2"
    assert catalog_members(catalog, port=port) == {zone_name}
    if shutil.which("named-checkzone"):
        path = tmp_path / "catalog.zone"
        axfr_to_file(catalog, path, port=port)
        # -i local: the default integrity check resolves the zone's names
        check = subprocess.run(["named-checkzone", "-i", "local", catalog, str(path)],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    set_membership(api, zone_name, None)
    assert catalog_members(catalog, port=port) == set()


def test_bind_follows_the_catalog(pdns, api, zone_name, tmp_path) -> None:
    if not shutil.which("named"):
        pytest.skip("BIND is not installed (apt-get install bind9)")
    catalog = f"cat-{zone_name}pyrar."
    named_port = free_port()
    # NOTIFY goes only to ALSO-NOTIFY/also-notify addresses (only-notify is empty)
    ensure_catalog(api, catalog, also_notify=[f"127.0.0.1:{named_port}"])
    first, second = zone_name, f"second-{zone_name}"
    ensure_zone(api, make_spec(first), catalog)
    consumer = NamedConsumer(tmp_path, named_port, pdns.settings.port, catalog)
    consumer.start()
    try:
        consumer.wait_until(first, served=True)
        assert not consumer.serves(second)
        ensure_zone(api, make_spec(second), catalog)
        consumer.wait_until(second, served=True)
        set_membership(api, second, None)
        consumer.wait_until(second, served=False)
        assert consumer.serves(first)
    finally:
        consumer.stop()
