"""ZonegenService: what ``pyrar serve`` runs, from start to stop."""

from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy.exc import OperationalError
from zonegen_helpers import free_port, make_spec, need_pdns

from tests.waiting import wait_for
from zonegen.catalog import catalog_members
from zonegen.config import PowerDnsSettings
from zonegen.model import Delegation
from zonegen.probe import DnsProbe, ProbeError, check_delegation
from zonegen.rectify import Denial
from zonegen.reference_state import ReferenceState
from zonegen.server import ManagedPowerDns
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
        # the keys read afresh each time: a zone can be served before its keys are all in
        wait_for(f"{d.name} answered, signed", lambda: (keys := _dnskeys(probe, zone_name))
                 and not check_delegation(probe, zone_name, Denial(), d.name, d, keys), 20)
        assert zone_name in catalog_members(settings.catalog_zone, port=settings.port)
        assert service.run_scheduled_once() == []
    finally:
        service.stop()
        state.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


class _BrokenState(ReferenceState):
    """A desired state with a bug: the drainer meets an exception nobody expects."""

    def zone_spec(self, zone):
        raise RuntimeError("a bug in the desired state")


def _settings(tmp_path) -> PowerDnsSettings:
    return PowerDnsSettings(data_dir=str(tmp_path / "pdns"), port=free_port(),
                            webserver_port=free_port(), poll_interval=0.05)


def _wait(condition, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.02)


def test_a_bug_in_the_drainer_stops_the_service_for_its_supervisor(tmp_path, zone_name):
    """#13: the thread does not vanish with the process alive; the service stops and says
    why, and ``zone serve`` then exits 1 so that ``pyrar serve`` restarts it."""
    need_pdns()
    state = _BrokenState(tmp_path / "core.sqlite3")
    fatal = threading.Event()
    service = ZonegenService(_settings(tmp_path), None, state, state, on_fatal=fatal.set)
    service.start()
    try:
        state.publish(zone_name, zone_name)
        service.wake()
        _wait(fatal.is_set, "the service to report its dead thread")
        assert service.failure == "zonegen-drainer: RuntimeError: a bug in the desired state"
        _wait(lambda: not any(t.is_alive() for t in service._threads[:2]),
              "the drainer and the scheduler to stop")
    finally:
        service.stop()
        state.close()


class _FlakyScheduler(ZonegenService):
    """Hosted-zone rounds meeting the registry's database down twice, then a bug."""

    rounds = 0

    def run_scheduled_once(self) -> list[str]:
        self.rounds += 1
        if self.rounds <= 2:
            raise OperationalError("SELECT 1", {}, Exception("(2013, 'Lost connection')"))
        if self.rounds == 3:
            return []
        raise ValueError("a bug in the scheduler")


def test_the_scheduler_retries_an_outage_and_stops_the_service_on_a_bug(tmp_path, caplog):
    need_pdns()
    state = ReferenceState(tmp_path / "core.sqlite3")
    fatal = threading.Event()
    service = _FlakyScheduler(_settings(tmp_path), None, state, state, on_fatal=fatal.set,
                              schedule_interval=0.05)
    service.start()
    try:
        _wait(fatal.is_set, "the scheduler's bug to stop the service")
        assert service.rounds == 4                       # two outages retried, one good round
        assert service.failure == "zonegen-scheduler: ValueError: a bug in the scheduler"
    finally:
        service.stop()
        state.close()
    lines = [r.getMessage() for r in caplog.records
             if r.name == "pyrar.zonegen.service" and "scheduler" in r.getMessage()]
    assert len(lines) == 3, lines                        # no line per failed attempt
    assert "unavailable (OperationalError" in lines[0] and "available again after 2" in lines[1]
    assert "zonegen-scheduler stopped by an unexpected error" in lines[2]
def _dnskeys(probe: DnsProbe, zone: str):
    try:
        return probe.dnskeys(zone)
    except ProbeError:  # the zone is not there yet
        return None


def test_powerdns_starts_in_a_directory_deeper_than_a_socket_path_allows(tmp_path) -> None:
    """A UNIX socket path has at most 107 bytes; pdns_server puts its control socket in the
    data directory, and refused to start under a deep one (a sandbox, a test's tmp_path)."""
    need_pdns()
    data_dir = tmp_path / ("deep-" * 20) / "pdns"
    assert len(str(data_dir / "run" / "pdns.controlsocket")) > 107
    server = ManagedPowerDns(PowerDnsSettings(data_dir=str(data_dir), port=free_port(),
                                              webserver_port=free_port()))
    server.start()
    try:
        assert server.running and server.api().server()
    finally:
        server.stop()
