"""RDAP's HTTP side (RFC 7480): CORS, cache headers, HEAD, rate limits."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
import warnings

import pytest

from registry.rate_limit import RateLimiter
from tests.rdds.rdap_schemas import validate
from tests.rdds.rdds_world import RdapServer, free_port


def test_cache_headers(server):
    _, headers, _ = server.get("domain/glue.example")
    assert headers["Cache-Control"] == "public, max-age=300"
    _, headers, _ = server.get("domain/nothere.example")
    assert headers["Cache-Control"] == "public, max-age=60"
    _, headers, _ = server.get("domain/bad!.example")
    assert headers["Cache-Control"] == "no-store"


def test_head_and_cors_preflight(server):
    status, headers, body = server.get("domain/glue.example", method="HEAD")
    assert status == 200 and body is None
    assert headers["Access-Control-Allow-Origin"] == "*"
    status, headers, _ = server.get("domain/glue.example", method="OPTIONS",
                                    headers={"Origin": "https://example.org",
                                             "Access-Control-Request-Method": "GET"})
    assert status == 204 and headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in headers["Access-Control-Allow-Methods"]
    status, _, body = server.get("domain/glue.example", method="POST")
    assert status == 405 and body["errorCode"] == 405


class StoppedClock:
    """Time stands still: the bucket never refills."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_answers_429_with_retry_after(registered):
    clock = StoppedClock()
    server = RdapServer(registered.world.registry, RateLimiter(1.0, 3, clock))
    try:
        assert [server.get("help")[0] for _ in range(3)] == [200, 200, 200]
        status, headers, body = server.get("help")
        assert status == 429 and headers["Retry-After"] == "1"
        validate(body, "rdap_error.json")
        assert body["errorCode"] == 429
        clock.now += 1.0  # one token back
        assert server.get("help")[0] == 200
        assert server.get("help")[0] == 429
    finally:
        server.stop()


def test_rate_limiter_is_per_address():
    clock = StoppedClock()
    limiter = RateLimiter(2.0, 2, clock)
    assert [limiter.admit("a"), limiter.admit("a")] == [0.0, 0.0]
    assert limiter.admit("a") == 0.5
    assert limiter.admit("b") == 0.0


def test_built_in_tls(registered, tmp_path):
    """[rdap] cert and key: HTTPS with the configured certificate, TLS 1.2 at least."""
    import ssl

    from certs.sandbox import build_sandbox_certs
    from rdap.server import start
    from registry.config import Config

    certs = build_sandbox_certs(tmp_path / "certs", [], ["localhost"])
    port = free_port()
    config = Config.from_text(
        f'[rdap]\nport = {port}\ncert = "{certs.server.cert}"\nkey = "{certs.server.key}"\n',
        tmp_path, environ={})
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    stop = asyncio.run_coroutine_threadsafe(
        start(config, registered.world.registry), loop).result(30)
    try:
        context = ssl.create_default_context(cafile=str(certs.ca.cert))
        with urllib.request.urlopen(f"https://localhost:{port}/domain/glue.example",
                                    context=context, timeout=30) as r:
            body = json.loads(r.read())
        assert body["links"][0]["href"] == f"https://127.0.0.1:{port}/domain/glue.example"
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.load_verify_locations(str(certs.ca.cert))
        with warnings.catch_warnings():  # deprecated: the point of the test
            warnings.simplefilter("ignore", DeprecationWarning)
            old.maximum_version = ssl.TLSVersion.TLSv1_1
        with pytest.raises((ssl.SSLError, urllib.error.URLError)):
            urllib.request.urlopen(f"https://localhost:{port}/help", context=old, timeout=30)
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
