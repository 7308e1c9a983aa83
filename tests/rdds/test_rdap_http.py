"""RDAP's HTTP side (RFC 7480): CORS, cache headers, HEAD, rate limits."""

from __future__ import annotations

from registry.rate_limit import RateLimiter
from tests.rdds.rdap_schemas import validate
from tests.rdds.rdds_world import RdapServer


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
