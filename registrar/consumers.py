"""The registrar's outbox consumers: ``orders`` carries out paid orders the request that
placed them did not finish (the process died, the database went away), ``mail`` delivers
users' mail (mailer.py). Both are idempotent: an order is done once (orders.process), a mail
is handed over once its row is acknowledged (at least once: a crash in between sends it
again, never loses it)."""

from __future__ import annotations

import logging

from registry.events.consumer import Consumer
from registry.events.delivery import Batch
from registry.events.store import RegistryEvents

from .core import RegistrarCore
from .errors import SiteError

log = logging.getLogger("pyrar.registrar.orders")


def orders_consumer(core: RegistrarCore, **kwargs) -> Consumer:
    def handle(batch: Batch) -> None:
        for delivery in batch.deliveries:
            try:
                core.process_order(int(delivery.payload["order_id"]))
            except SiteError as e:
                batch.fail(delivery.id, e.detail)
                continue
            batch.ack([delivery.id])

    registry = core.registry
    return Consumer(RegistryEvents(registry), "orders", handle, clock=registry.clock,
                    retry=registry.retry_policy, doorbell=registry.wakeup.doorbell("orders"),
                    **kwargs)
