"""A small client for the PowerDNS Authoritative HTTP API (v1)."""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from zonegen.names import normalize


class PowerDnsApiError(Exception):
    """The API answered with an error, or could not be reached (``status`` is then 0)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"PowerDNS API {status}: {message}" if status else message)
        self.status = status
        self.message = message


# waits before sending a request PowerDNS answered with 500 again (seen: a busy gsqlite3)
BUSY_RETRIES = (0.05, 0.2, 0.5, 1.0)


class PowerDnsApi:
    """Zones, keys, metadata and cache calls; names are passed absolute (trailing dot)."""

    def __init__(self, base_url: str, api_key: str, server_id: str = "localhost",
                 timeout: float = 120.0) -> None:
        self.base = f"{base_url.rstrip('/')}/servers/{server_id}"
        self.api_key = api_key
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = None,
                params: dict[str, str] | None = None) -> Any:
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers={
            "X-API-Key": self.api_key, "Content-Type": "application/json",
            "Accept": "application/json"})
        for delay in (*BUSY_RETRIES, None):
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    payload = resp.read()
                return json.loads(payload) if payload else None
            except urllib.error.HTTPError as e:
                text = e.read().decode(errors="replace")
                with contextlib.suppress(ValueError, AttributeError):
                    text = json.loads(text).get("error", text)
                if e.code != 500 or delay is None:
                    raise PowerDnsApiError(e.code, text) from None
            except (urllib.error.URLError, OSError) as e:
                raise PowerDnsApiError(0, f"PowerDNS API unreachable at {url}: {e}") from None
            # gsqlite3 answers 'database is locked' as a bare 500 while another connection
            # (zonegen's SQL writer, PowerDNS's own threads) writes; PowerDNS rolled the
            # request's transaction back, so it is safe to send again
            time.sleep(delay)
        raise AssertionError("unreachable")

    @staticmethod
    def _zone(zone: str) -> str:
        return "/zones/" + urllib.parse.quote(normalize(zone), safe="")

    # -- server ------------------------------------------------------------------------------
    def server(self) -> dict:
        return self.request("GET", "")

    def statistics(self) -> dict[str, int]:
        """The server's counters (``udp-queries``, ``uptime``...), rings left out."""
        return {item["name"]: int(item["value"])
                for item in self.request("GET", "/statistics", params={"includerings": "false"})
                if item.get("type") == "StatisticItem"}

    def flush_cache(self, name: str) -> int:
        """Drop packet- and query-cache entries for ``name`` and everything below it."""
        reply = self.request("PUT", "/cache/flush", params={"domain": normalize(name)})
        return int(reply.get("count", 0))

    # -- zones -------------------------------------------------------------------------------
    def zones(self) -> list[dict]:
        return self.request("GET", "/zones")

    def zone(self, zone: str, rrsets: bool = True) -> dict | None:
        try:
            return self.request("GET", self._zone(zone),
                                params=None if rrsets else {"rrsets": "false"})
        except PowerDnsApiError as e:
            if e.status in (404, 422):
                return None
            raise

    def create_zone(self, body: dict) -> dict:
        return self.request("POST", "/zones", body)

    def update_zone(self, zone: str, body: dict) -> None:
        self.request("PUT", self._zone(zone), body)

    def patch_rrsets(self, zone: str, rrsets: list[dict]) -> None:
        self.request("PATCH", self._zone(zone), {"rrsets": rrsets})

    def delete_zone(self, zone: str) -> None:
        self.request("DELETE", self._zone(zone))

    def rectify(self, zone: str) -> None:
        self.request("PUT", self._zone(zone) + "/rectify")

    def notify(self, zone: str) -> None:
        self.request("PUT", self._zone(zone) + "/notify")

    def export(self, zone: str) -> str:
        """The stored records as a zone file (unsigned)."""
        reply = self.request("GET", self._zone(zone) + "/export")
        return reply["zone"] if isinstance(reply, dict) else str(reply)

    # -- keys and metadata ---------------------------------------------------------------
    def cryptokeys(self, zone: str) -> list[dict]:
        return self.request("GET", self._zone(zone) + "/cryptokeys")

    def add_cryptokey(self, zone: str, body: dict) -> dict:
        return self.request("POST", self._zone(zone) + "/cryptokeys", body)

    def delete_cryptokey(self, zone: str, key_id: int) -> None:
        self.request("DELETE", self._zone(zone) + f"/cryptokeys/{key_id}")

    def metadata(self, zone: str, kind: str) -> list[str]:
        try:
            reply = self.request("GET", self._zone(zone) + f"/metadata/{kind}")
        except PowerDnsApiError as e:
            if e.status == 404:
                return []
            raise
        return list(reply.get("metadata", [])) if reply else []

    def set_metadata(self, zone: str, kind: str, values: list[str]) -> None:
        self.request("PUT", self._zone(zone) + f"/metadata/{kind}",
                     {"kind": kind, "metadata": values})

    def delete_metadata(self, zone: str, kind: str) -> None:
        self.request("DELETE", self._zone(zone) + f"/metadata/{kind}")
