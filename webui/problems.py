"""Errors as RFC 9457 problem details: a type, a title, the status, and a detail a person can
act on (plus the offending field, when there is one)."""

from __future__ import annotations

import json

from aiohttp import web

from registrar.errors import SiteError, TooManyRequests

PROBLEM_TYPE = "application/problem+json"


def problem(status: int, title: str, detail: str, *, field: str | None = None,
            headers: dict | None = None) -> web.Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if field:
        body["field"] = field
    return web.Response(status=status, text=json.dumps(body), content_type=PROBLEM_TYPE,
                        headers=headers)


def from_site_error(error: SiteError) -> web.Response:
    headers = ({"Retry-After": str(error.retry_after)}
               if isinstance(error, TooManyRequests) else None)
    return problem(error.status, error.title, error.detail, field=error.field, headers=headers)
