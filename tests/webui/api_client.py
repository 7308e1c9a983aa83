"""A JSON client for the site's API as a browser would hold it: a cookie jar, and the CSRF
token the login answered with sent back on every state-changing request."""

from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass
class Answer:
    status: int
    body: object
    headers: dict

    @property
    def problem(self) -> dict:
        assert self.headers.get("Content-Type", "").startswith("application/problem+json"), \
            (self.status, self.body)
        return self.body


class ApiClient:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf: str | None = None

    def request(self, method: str, path: str, body: object = None, *, raw: bytes | None = None,
                headers: dict | None = None, csrf: bool = True) -> Answer:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        h = {"Content-Type": "application/json"} if data is not None else {}
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        h.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with self.opener.open(req, timeout=30) as r:
                return self._answer(r.status, r.read(), r.headers)
        except urllib.error.HTTPError as e:
            return self._answer(e.code, e.read(), e.headers)

    @staticmethod
    def _answer(status: int, raw: bytes, headers) -> Answer:
        body = json.loads(raw) if raw else None
        return Answer(status, body, dict(headers.items()))

    def get(self, path: str, **kw) -> Answer:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: object = None, **kw) -> Answer:
        return self.request("POST", path, {} if body is None else body, **kw)

    def login(self, email: str, password: str) -> Answer:
        answer = self.post("/api/session", {"email": email, "password": password})
        if answer.status == 200:
            self.csrf = answer.body["session"]["csrf_token"]
        return answer

    def cookie(self) -> http.cookiejar.Cookie | None:
        return next(iter(self.jar), None)
