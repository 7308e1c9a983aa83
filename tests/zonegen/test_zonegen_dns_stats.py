"""The DNS query counts of the monthly activity report, from a real managed pdns_server's
counters (zonegen/dns_stats.py): queries sent over UDP and TCP on loopback are counted,
through a restart of the server, into the registry's query counts."""

from __future__ import annotations

import socket

import dns.message
import dns.query
import pytest
from zonegen_helpers import free_port, need_pdns

from registry.monthly_reports import Month, activity
from registry.query_counts import DNS_FIELDS, QueryCounter
from tests.rdds.rdds_world import registry_on
from tests.waiting import wait_for
from zonegen.api import PowerDnsApiError
from zonegen.config import PowerDnsSettings
from zonegen.dns_stats import DnsQueryStats
from zonegen.reference_state import ReferenceState
from zonegen.service import ZonegenService

pytestmark = pytest.mark.pdns


def ask(port: int, udp: int = 0, tcp: int = 0) -> None:
    query = dns.message.make_query("example.", "SOA")
    for _ in range(udp):
        dns.query.udp(query, "127.0.0.1", port=port, timeout=5)
    for _ in range(tcp):
        dns.query.tcp(query, "127.0.0.1", port=port, timeout=5)


def answering(service: ZonegenService, port: int) -> bool:
    """Its API up and its DNS port open (no query sent: it would be counted)."""
    try:
        service.conn.api.server()
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except (PowerDnsApiError, OSError):
        return False
    return True


def test_powerdns_counters_feed_the_activity_report(tmp_path, sqlite_template):
    need_pdns()
    settings = PowerDnsSettings(data_dir=str(tmp_path / "pdns"), port=free_port(),
                                webserver_port=free_port(), query_stats_interval=3600)
    with registry_on("sqlite", tmp_path, sqlite_template) as world:
        world.add_tld("example")
        january = Month(2026, 1)

        def report() -> dict[str, int | None]:
            values = world.registry.read(lambda s: activity(s, "example", january))
            return {f: values[f] for f in DNS_FIELDS}

        assert set(report().values()) == {None}  # no PowerDNS watched: empty, not zero
        state = ReferenceState(tmp_path / "core.sqlite3")
        service = ZonegenService(settings, None, state, state, registry=world.registry,
                                 watch_interval=0.05)
        service.start()
        try:
            service.record_query_stats()
            before = report()
            assert all(v is not None for v in before.values())
            ask(settings.port, udp=5, tcp=3)
            service.record_query_stats()
            after = report()
            assert {f: after[f] - before[f] for f in DNS_FIELDS} == {
                "dns-udp-queries-received": 5, "dns-udp-queries-responded": 5,
                "dns-tcp-queries-received": 3, "dns-tcp-queries-responded": 3}
            # the server dies and is started again: its counters start from zero, and
            # what it counts from then on is added, not lost nor taken away
            old = service.server.pid
            service.server.kill()
            wait_for("PowerDNS started again", lambda: service.server.pid != old
                     and answering(service, settings.port), 20)
            ask(settings.port, udp=2)
            service.record_query_stats()
            restarted = report()
            assert restarted["dns-udp-queries-received"] - after[
                "dns-udp-queries-received"] == 2
            assert restarted["dns-tcp-queries-received"] == after["dns-tcp-queries-received"]
            ask(settings.port, tcp=1)
        finally:
            service.stop()  # its last poll: the TCP query just sent
            state.close()
        assert report()["dns-tcp-queries-received"] == after["dns-tcp-queries-received"] + 1


class _Api:
    def __init__(self, *readings):
        self.readings = list(readings)

    def statistics(self):
        reading = self.readings.pop(0)
        if isinstance(reading, Exception):
            raise reading
        return reading


def stats(udp, tcp, uptime) -> dict[str, int]:
    return {"udp-queries": udp, "udp-answers": udp, "tcp-queries": tcp, "tcp-answers": tcp,
            "uptime": uptime, "latency": 0}


def test_a_server_not_started_by_us_counts_from_its_first_reading():
    counter = QueryCounter(world_clock())
    api = _Api(stats(100, 10, 500), stats(130, 10, 560), PowerDnsApiError(0, "down"),
               stats(7, 1, 3), stats(9, 1, 63), stats(20, 2, 90), {"uptime": 4})
    now = [0.0]
    poller = DnsQueryStats(api, counter, from_zero=False, clock=lambda: now[0])
    assert poller.poll() == {}  # the baseline: what it counted before is not ours
    now[0] += 60
    assert poller.poll()["dns-udp-queries-received"] == 30
    now[0] += 60
    poller.poll_quietly()  # unreachable: logged, the baseline kept
    now[0] += 60
    assert poller.poll() == {"dns-udp-queries-received": 7, "dns-udp-queries-responded": 7,
                             "dns-tcp-queries-received": 1, "dns-tcp-queries-responded": 1}
    now[0] += 60
    assert poller.poll()["dns-udp-queries-received"] == 2
    # up 27 s in the 60 s since the previous poll, though every counter grew: restarted
    now[0] += 60
    assert poller.poll()["dns-udp-queries-received"] == 20
    with pytest.raises(PowerDnsApiError, match="no udp-queries"):
        poller.poll()


def world_clock():
    from registry.clock import FixedClock
    from tests.core.world import START
    return FixedClock(START)
