"""The managed PowerDNS sends nothing off loopback (issue #12 section 1).

It runs under ``strace -f -e trace=network`` through a burst of publications (a TLD whose
delegations name outside name servers, the catalog, hosted zones served by outside names,
one of them signed); every address a connect/sendto/sendmsg named must be 127.0.0.0/8 or
::1. NOTIFY still reaches the configured secondary, given as an address.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
from pathlib import Path

import dns.message
import dns.opcode
import pytest
from network_trace import destinations, off_loopback
from zonegen_helpers import free_port, make_spec, need_pdns

from registry.hosted_records import RRset
from tests.waiting import wait_for
from zonegen.catalog import ensure_catalog
from zonegen.config import PowerDnsSettings
from zonegen.hosted import HostedZones
from zonegen.model import Delegation
from zonegen.pdnsdb import PdnsDb
from zonegen.server import ManagedPowerDns
from zonegen.writer import ZoneWriter
from zonegen.zones import ensure_zone

pytestmark = [pytest.mark.pdns, pytest.mark.strace]

HOSTING = ("ns1.pyrar-hosting.net.", "ns2.pyrar-hosting.net.")


class TracedPowerDns(ManagedPowerDns):
    """pdns_server as strace's child; stopped by its own PID, then strace ends with it."""

    def __init__(self, settings: PowerDnsSettings, trace: Path) -> None:
        super().__init__(settings)
        self.trace = trace

    def command(self) -> list[str]:
        return ["strace", "-f", "-qq", "-e", "trace=network", "-o", str(self.trace),
                *super().command()]

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is not None and self.process.poll() is None:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            for pid in children.read_text().split():
                os.kill(int(pid), signal.SIGTERM)
        super().stop(timeout)


class Secondary:
    """A UDP socket on loopback that answers NOTIFYs and remembers the zones."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", free_port()))
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self.notified: set[str] = set()

    def receive(self) -> set[str]:
        while True:
            try:
                wire, peer = self.sock.recvfrom(65535)
            except BlockingIOError:
                return self.notified
            msg = dns.message.from_wire(wire)
            if msg.opcode() == dns.opcode.NOTIFY:
                self.notified.add(msg.question[0].name.to_text())
                self.sock.sendto(dns.message.make_response(msg).to_wire(), peer)


@pytest.fixture
def traced(tmp_path):
    need_pdns()
    if not shutil.which("strace"):
        pytest.skip("strace is not installed (apt-get install strace; scripts/setup does)")
    secondary = Secondary()
    settings = PowerDnsSettings(data_dir=str(tmp_path / "pdns"), port=free_port(),
                                webserver_port=free_port(), xfr_cycle_interval=1,
                                secondaries=(f"127.0.0.1:{secondary.port}",))
    server = TracedPowerDns(settings, tmp_path / "strace.log")
    server.start()
    try:
        yield server, secondary
    finally:
        server.stop()
        secondary.sock.close()


def test_a_burst_of_publications_sends_nothing_off_loopback(traced) -> None:
    server, secondary = traced
    api = server.api()
    catalog = "catalog.pyrar."
    ensure_catalog(api, catalog)
    spec = make_spec("trace.")            # NS ns1.nic.trace. (in zone) and ns.example.net.
    ensure_zone(api, spec, catalog)
    db = PdnsDb.open(server.settings)
    try:
        writer = ZoneWriter(db, api.flush_cache)
        for i in range(20):
            writer.write_one(spec, f"d{i}.trace.", Delegation(
                f"d{i}.trace.", (f"ns{i}.provider-{i}.example.", f"ns.d{i}.trace."),
                {f"ns.d{i}.trace.": [f"192.0.2.{i + 1}"]}))
    finally:
        db.close()
    hosted = HostedZones(api, catalog)
    clients = [f"client{i}.example." for i in range(3)]
    for zone in clients:
        hosted.create(zone, HOSTING, rrsets=[RRset("www", "A", 300, ("192.0.2.80",))])
        hosted.edit(zone, replace=[RRset("mail", "MX", 300, ("10 mx.elsewhere.example.",))])
    hosted.sign(clients[0])
    wanted = {catalog, spec.name, *clients}
    wait_for("NOTIFY for every zone at the configured secondary",
             lambda: wanted <= secondary.receive(), 30, server.log_tail)
    server.stop()
    trace = server.trace.read_text()
    sent = destinations(trace)
    assert ("sendto", "127.0.0.1") in sent, "the trace saw no NOTIFY: is strace working?"
    assert off_loopback(trace) == []
