"""What the site's pages and files are served with: the HTML shell for every page path, the
static files, and the browser security headers (CSP with Trusted Types, no framing) on every
answer, the API's included."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from webui.pages import CONTENT_SECURITY_POLICY


def fetch(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture(scope="module", params=["sqlite"])
def site(request, site):  # one database is enough for headers
    return site


@pytest.mark.parametrize("path", ["/", "/search", "/domains/example.example", "/verify"])
def test_every_page_path_is_the_shell(site, path):
    status, headers, body = fetch(site.url + path)
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert b'<script type="module" src="/static/site/main.js">' in body
    assert b"<script>" not in body  # nothing inline: the CSP would refuse it
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "require-trusted-types-for 'script'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"


def test_static_files_and_their_headers(site):
    status, headers, body = fetch(site.url + "/static/common/dom.js")
    assert status == 200 and b"export function h(" in body
    assert headers["Content-Type"].startswith(("text/javascript", "application/javascript"))
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-cache"
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    status, headers, _ = fetch(site.url + "/static/nothing-here.js")
    assert status == 404 and headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    status, _, _ = fetch(site.url + "/static/../pyproject.toml")
    assert status in (403, 404)


def test_the_api_keeps_its_problems(site):
    status, headers, _ = fetch(site.url + "/api/no-such-thing")
    assert status == 404 and headers["Content-Type"].startswith("application/problem+json")
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    status, _, _ = fetch(site.url + "/api/session")
    assert status == 401
