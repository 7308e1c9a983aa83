"""Reach PowerDNS from the settings: API client and database, starting a managed server if
none is running (so that ``pyrar zone ...`` also works while ``pyrar serve`` is stopped)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from zonegen.api import PowerDnsApi, PowerDnsApiError
from zonegen.config import PowerDnsSettings
from zonegen.pdnsdb import PdnsDb
from zonegen.server import ManagedPowerDns

if TYPE_CHECKING:
    from zonegen.lease_fence import PdnsLeaseFence


@dataclass
class PowerDnsConnection:
    settings: PowerDnsSettings
    base_dir: Path | None = None
    server: ManagedPowerDns | None = None      # set when this connection started one
    _api: PowerDnsApi | None = None
    _db: PdnsDb | None = None
    # the zone publisher's lease, fenced in each database connection's transactions
    fence: PdnsLeaseFence | None = None

    @property
    def api(self) -> PowerDnsApi:
        if self._api is None:
            s = self.settings
            self._api = PowerDnsApi(s.resolved_api_url(), s.resolved_api_key(self.base_dir),
                                    s.server_id)
        return self._api

    @property
    def db(self) -> PdnsDb:
        if self._db is None:
            self._db = self.open_db()
        return self._db

    def open_db(self) -> PdnsDb:
        db = PdnsDb.open(self.settings, self.base_dir)
        return db if self.fence is None else self.fence.attach(db)

    @property
    def dns_address(self) -> tuple[str, int]:
        return self.settings.address, self.settings.port

    def __enter__(self) -> PowerDnsConnection:
        try:
            self.api.server()
        except PowerDnsApiError:
            if self.settings.mode != "managed":
                raise
            self.server = ManagedPowerDns(self.settings, self.base_dir)
            self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self.server is not None:
            self.server.stop()
            self.server = None
