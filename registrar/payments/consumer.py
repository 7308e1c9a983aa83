"""The ``payments`` outbox consumer: the provider calls that transactions asked for
(``payment.checkout``: make a payment's checkout; ``payment.capture``: capture an approved
PayPal order; ``payment.refund``: an operator's refund; ``payment.order``: place the order
a credited payment is for). Each is idempotent (the
provider's idempotency key, a payment that has its checkout already), so a crash between the
call and the acknowledgement costs nothing. A provider that cannot be reached is an outage:
the rows wait, nothing is counted."""

from __future__ import annotations

from registry.events.consumer import Consumer
from registry.events.delivery import Batch
from registry.events.store import RegistryEvents

from ..errors import SiteError
from .service import PaymentService
from .values import ProviderRefused, ProviderUnavailable

CONSUMER = "payments"


def payments_consumer(payments: PaymentService, **kwargs) -> Consumer:
    def handle(batch: Batch) -> None:
        down: dict[str, ProviderUnavailable] = {}
        for delivery in batch.deliveries:
            payment_id = int(delivery.payload["payment_id"])
            provider = payments.provider_of(payment_id)
            if provider in down:
                continue  # left for the next pass, with that provider's other rows
            try:
                if delivery.kind == "payment.capture":
                    payments.capture(payment_id)
                elif delivery.kind == "payment.order":
                    payments.place_order(payment_id)
                elif delivery.kind == "payment.refund":
                    p = delivery.payload
                    payments.send_refund(payment_id, int(p["amount"]), p["key"])
                else:
                    payments.checkout(payment_id)
            except (ProviderRefused, SiteError) as e:
                batch.fail(delivery.id, str(e))
                continue
            except ProviderUnavailable as e:
                down[provider] = e  # one provider down holds back none of the others'
                continue
            batch.ack([delivery.id])
        if down:
            raise next(iter(down.values()))  # an outage: its rows wait, uncounted

    registry = payments.core.registry
    return Consumer(RegistryEvents(registry), CONSUMER, handle, clock=registry.clock,
                    retry=registry.retry_policy, doorbell=registry.wakeup.doorbell(CONSUMER),
                    outages=(ProviderUnavailable,), **kwargs)
