"""zonegen as ``pyrar serve`` runs it: PowerDNS (if managed, restarted when it dies), the
catalog zone, the outbox drainer thread, and the hosted-zone scheduler (pending unsigns)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from zonegen.api import PowerDnsApiError
from zonegen.catalog import ensure_catalog
from zonegen.config import PowerDnsSettings
from zonegen.connection import PowerDnsConnection
from zonegen.drainer import OutboxDrainer
from zonegen.hosted import HostedZones
from zonegen.hosted_signing import HostedSigning
from zonegen.probe import DnsProbe, ProbeError, ds_published
from zonegen.server import ManagedPowerDns, PowerDnsStartError
from zonegen.state import DesiredState, Outbox, OutboxEntry

if TYPE_CHECKING:
    from registry.service import Registry

log = logging.getLogger("pyrar.zonegen.service")


class ZonegenService:
    def __init__(self, settings: PowerDnsSettings, base_dir: Path | None,
                 state: DesiredState, outbox: Outbox, *,
                 on_error: Callable[[OutboxEntry | None, str], None] | None = None,
                 parent_ds_visible: Callable[[str], bool] | None = None,
                 schedule_interval: float = 60.0, clock: Callable[[], float] = time.time,
                 watch_interval: float = 0.5, registry: Registry | None = None) -> None:
        self.settings = settings
        self.conn = PowerDnsConnection(settings, base_dir)
        self.server: ManagedPowerDns | None = None
        self.drainer = OutboxDrainer(
            outbox, state, self.conn.open_db, self.conn.api,
            catalog=settings.catalog_zone or None, batch_size=settings.batch_size,
            poll_interval=settings.poll_interval, on_error=on_error)
        self.hosted = HostedZones(self.conn.api, settings.catalog_zone or None, clock)
        probe = DnsProbe(settings.address, settings.port)
        self.parent_ds_visible = parent_ds_visible or (lambda z: ds_published(probe, z))
        # with the core and the hosting name servers, hosted zones' DS go through the core
        self.signing = (HostedSigning(self.hosted, registry, settings.hosted_nameservers,
                                      self.parent_ds_visible)
                        if registry is not None and settings.hosted_nameservers else None)
        self.schedule_interval = schedule_interval
        self.watch_interval = watch_interval
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        if self.settings.mode == "managed":
            self.server = ManagedPowerDns(self.settings, self.conn.base_dir)
            self.server.start()
        if self.settings.catalog_zone:
            ensure_catalog(self.conn.api, self.settings.catalog_zone)
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self.drainer.run, args=(self._stop,),
                             name="zonegen-drainer", daemon=True),
            threading.Thread(target=self._scheduler, name="zonegen-scheduler", daemon=True),
        ]
        if self.server is not None:
            # the server is this thread's child (see server._die_with_parent): restarts
            # happen here, and the thread lives as long as the service
            self._threads.append(threading.Thread(target=self._watch_server,
                                                  name="zonegen-powerdns", daemon=True))
        for t in self._threads:
            t.start()

    def wake(self) -> None:
        """For the core, after committing a change: publish now rather than at the next poll."""
        self.drainer.wake()

    def run_scheduled_once(self) -> list[str]:
        """Hosted zones: DS reconciled with the core (if wired), pending unsigns advanced;
        returns the zones whose keys were removed."""
        if self.signing is None:
            return self.hosted.run_scheduled(self.parent_ds_visible)
        self.signing.reconcile()
        return self.signing.run_scheduled()

    def _scheduler(self) -> None:
        while not self._stop.wait(self.schedule_interval):
            try:
                self.run_scheduled_once()
            except (PowerDnsApiError, ProbeError, OSError) as e:
                log.warning("hosted-zone scheduler: %s", e)
            except Exception:   # the database, say: the next round tries again
                log.exception("hosted-zone scheduler failed")

    def _watch_server(self) -> None:
        """A managed PowerDNS that died is started again: nothing else would (the drainer
        only retries), and DNS would stay down until someone restarted zonegen."""
        backoff = self.watch_interval
        while not self._stop.wait(backoff):
            server = self.server
            if server is None or server.running:
                backoff = self.watch_interval
                continue
            code = server.process.returncode if server.process else None
            log.error("managed PowerDNS exited (status %s); starting it again", code)
            try:
                server.start()
                self.drainer.wake()
                backoff = self.watch_interval
            except PowerDnsStartError as e:
                log.error("managed PowerDNS did not start: %s", e)
                backoff = min(backoff * 2, 30.0)

    def stop(self) -> None:
        self._stop.set()
        self.drainer.wake()
        for t in self._threads:
            t.join(10)
        self._threads = []
        self.drainer.close()
        if self.server is not None:
            self.server.stop()
            self.server = None
