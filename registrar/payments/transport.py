"""Calls to providers' HTTP APIs (PayPal, NowPayments; Stripe's own client does Stripe's):
JSON over HTTPS to a configured base URL (tests: a fake provider on loopback), a timeout,
and the two kinds of failure the outbox tells apart."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request

from .values import ProviderRefused, ProviderUnavailable

MAX_ANSWER = 1 << 20


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A provider's API does not redirect; following one would send our credentials, or
    fetch a certificate, from a host nobody allowed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


OPENER = urllib.request.build_opener(_NoRedirects)


def fetch(url: str, *, method: str = "GET", headers: dict | None = None,
          data: bytes | None = None, timeout: float = 20.0,
          context: ssl.SSLContext | None = None) -> bytes:
    """``context``: the roots trusted for https (default: the system's)."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    opener = OPENER if context is None else urllib.request.build_opener(
        _NoRedirects, urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(request, timeout=timeout) as answer:
            return answer.read(MAX_ANSWER)
    except urllib.error.HTTPError as e:
        detail = e.read(2000).decode("utf-8", "replace")
        if e.code in (408, 409, 425, 429) or e.code >= 500 or 300 <= e.code < 400:
            raise ProviderUnavailable(f"{method} {url}: HTTP {e.code} {detail}") from None
        raise ProviderRefused(f"{method} {url}: HTTP {e.code} {detail}") from None
    except (urllib.error.URLError, OSError) as e:
        raise ProviderUnavailable(f"{method} {url}: {getattr(e, 'reason', e)}") from None


def call_json(url: str, *, method: str = "POST", headers: dict | None = None,
              body: dict | None = None, form: bytes | None = None,
              timeout: float = 20.0) -> dict:
    h = dict(headers or {})
    data = form
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    raw = fetch(url, method=method, headers=h, data=data, timeout=timeout)
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        raise ProviderUnavailable(f"{method} {url}: the answer is not JSON") from None
    if not isinstance(answer, dict):
        raise ProviderUnavailable(f"{method} {url}: the answer is not a JSON object")
    return answer
