"""WHOIS on a loopback port (RFC 3912): one query line, the answer, the connection closed;
the same data and redaction as RDAP, only for TLDs with whois_enabled."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest

from registry.rate_limit import RateLimiter
from registry.rdds_source import RegistrySource
from tests.rdds.rdds_world import free_port
from whoisd.config import WhoisSettings
from whoisd.server import Whois


class WhoisServer:
    def __init__(self, registry, limiter=None, counter=None, **settings) -> None:
        self.settings = WhoisSettings(port=free_port(), rdap_url="https://rdap.nic.cc/",
                                      **settings)
        self.whois = Whois(RegistrySource(registry), self.settings, limiter, counter)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(self.whois.start(), self.loop).result(30)

    def ask(self, query: bytes) -> str:
        with socket.create_connection(("127.0.0.1", self.settings.port), timeout=30) as s:
            s.sendall(query)
            chunks = []
            while chunk := s.recv(65536):  # the server closes after its answer
                chunks.append(chunk)
        return b"".join(chunks).decode("utf-8")

    def stop(self) -> None:
        async def close():
            self.server.close()
            await self.server.wait_closed()
        asyncio.run_coroutine_threadsafe(close(), self.loop).result(30)
        self.whois.close()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def whois(registered):
    server = WhoisServer(registered.world.registry, query_seconds=2.0)
    yield server
    server.stop()


def fields(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in text.split("\r\n"):
        key, sep, value = line.partition(": ")
        if sep:
            out.setdefault(key, []).append(value)
    return out


def test_cctld_domain_with_its_disclosure(whois):
    text = whois.ask(b"shop.cc\r\n")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    f = fields(text)
    assert f["Domain Name"] == ["SHOP.CC"]
    assert f["Registrar IANA ID"] == ["9999"]
    assert f["Registrar Abuse Contact Email"] == ["abuse@alice.net"]
    assert f["Registrar Abuse Contact Phone"] == ["+1.5555550100"]
    assert f["Registrant Name"] == ["Tom Tech"] and f["Registrant Email"] == ["tom@example.fr"]
    assert f["Registrant Phone"] == ["REDACTED FOR PRIVACY"]
    assert f["Admin Name"] == ["REDACTED FOR PRIVACY"]
    assert f["Domain Status"] == ["inactive https://icann.org/epp#inactive",
                                  "addPeriod https://icann.org/epp#addPeriod"]
    assert f["Admin Organization"] == ["Example Inc."] and f["Admin Country"] == ["US"]
    assert f["DNSSEC"] == ["unsigned"]
    assert ">>> Last update of WHOIS database: 2026-01-15T12:00:00Z <<<" in text
    assert "RDAP at https://rdap.nic.cc/" in text


def test_idn_query_and_keywords(whois):
    assert "No match" in whois.ask("domain bücher.cc\r\n".encode())
    assert fields(whois.ask(b"domain SHOP.CC.\n"))["Domain Name"] == ["SHOP.CC"]
    host = fields(whois.ask(b"nameserver ns1.glue.example\r\n"))
    assert host["Server Name"] == ["NS1.GLUE.EXAMPLE"]
    assert host["IP Address"] == ["192.0.2.1", "2001:db8::1"]
    registrar = fields(whois.ask(b"registrar 9999\r\n"))
    assert registrar["Registrar Name"] == ["alice"]
    assert registrar["Referral URL"] == ["https://alice.example.net"]


def test_tld_without_whois_points_to_rdap(whois):
    text = whois.ask(b"glue.example\r\n")
    assert "WHOIS is not offered for .example" in text and "https://rdap.nic.cc/" in text
    assert "Jane" not in text


def test_bad_queries(whois):
    assert "No match" in whois.ask(b"nothere.cc\r\n")
    assert "not a domain name" in whois.ask(b"bad!name.cc\r\n")
    assert "Query too long" in whois.ask(b"x" * 2000 + b"\r\n")
    assert "UTF-8" in whois.ask(b"\xff\xfe.cc\r\n")
    assert "Query:" in whois.ask(b"\r\n")


def test_rate_limited(registered):
    class Still:
        def __call__(self):
            return 0.0
    server = WhoisServer(registered.world.registry, RateLimiter(1.0, 2, Still()))
    try:
        assert "SHOP.CC" in server.ask(b"shop.cc\r\n")
        assert "SHOP.CC" in server.ask(b"shop.cc\r\n")
        assert "Too many queries" in server.ask(b"shop.cc\r\n")
    finally:
        server.stop()


def test_serve_runs_whois_only_when_configured(tmp_path):
    from pyrar.components import configured
    from registry.config import Config

    default = Config.from_text("", tmp_path, environ={})
    on = Config.from_text("[whois]\nserve = true\n", tmp_path, environ={})
    assert "whois" not in [c.name for c in configured(default)]
    assert [c.name for c in configured(on) if c.name in ("rdap", "whois")] == ["rdap", "whois"]
