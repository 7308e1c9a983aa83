"""ZonegenService: what ``pyrar serve`` runs, from start to stop."""

from __future__ import annotations

import os
import time

import pytest
from zonegen_helpers import free_port, make_spec, need_pdns

from zonegen.catalog import catalog_members
from zonegen.config import PowerDnsSettings
from zonegen.model import Delegation
from zonegen.probe import DnsProbe, ProbeError, wait_published
from zonegen.rectify import Denial
from zonegen.reference_state import ReferenceState
from zonegen.service import ZonegenService

pytestmark = pytest.mark.pdns


def test_service_runs_powerdns_and_publishes(tmp_path, zone_name) -> None:
    need_pdns()
    settings = PowerDnsSettings(data_dir=str(tmp_path / "pdns"), port=free_port(),
                                webserver_port=free_port(), poll_interval=0.05)
    state = ReferenceState(tmp_path / "core.sqlite3")
    service = ZonegenService(settings, None, state, state)
    service.start()
    try:
        pid = service.server.pid
        state.put_zone(make_spec(zone_name))
        d = Delegation(f"served.{zone_name}", ("ns.example.net.",))
        state.put(zone_name, d)
        service.wake()
        probe = DnsProbe("127.0.0.1", settings.port)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                keys = probe.dnskeys(zone_name)
                break
            except ProbeError:   # the zone is not there yet
                time.sleep(0.05)
        assert wait_published(probe, zone_name, Denial(), d.name, d, keys) < 5
        assert zone_name in catalog_members(settings.catalog_zone, port=settings.port)
        assert service.run_scheduled_once() == []
    finally:
        service.stop()
        state.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
