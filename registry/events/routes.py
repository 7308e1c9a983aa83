"""Which consumers each kind of event goes to: the one table to change when a component
starts consuming a kind (one row per consumer is written for every event of that kind)."""

from __future__ import annotations

import re

ROUTES: dict[str, tuple[str, ...]] = {
    # payload {"zone": TLD, "owner": name}: the records at owner may have changed (zonegen)
    "dns.changed": ("dns",),
    # payload {"order_id": id}: a paid site order to carry out (registrar/orders.py)
    "registrar.order": ("orders",),
    # payload {"to", "user_id", "template", "values"}: a mail to a site user (registrar/mail.py)
    "mail.send": ("mail",),
    # payload {"zone", "revision", "nameservers", "records", "signed", "remove"}: a hosted
    # zone's whole wanted state (registrar/hosted_dns.py), applied by zonegen
    "hosted.apply": ("hosted",),
    # payload {"payment_id": id}: make a payment's checkout at its provider, or capture its
    # approved PayPal order (registrar/payments/consumer.py)
    "payment.checkout": ("payments",),
    "payment.capture": ("payments",),
    # payload {"payment_id", "amount", "key"}: an operator's refund, asked of the provider
    "payment.refund": ("payments",),
    # payload {"payment_id": id}: place the order a credited payment paid for
    # (registrar/payments/order_payments.py)
    "payment.order": ("payments",),
}

# consumer names become socket file names (wake) and CLI arguments
CONSUMER_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


def consumers_of(kind: str) -> tuple[str, ...]:
    try:
        return ROUTES[kind]
    except KeyError:
        raise ValueError(f"no route for events of kind {kind!r}") from None


def known_consumers(routes: dict[str, tuple[str, ...]] = ROUTES) -> tuple[str, ...]:
    return tuple(sorted({c for consumers in routes.values() for c in consumers}))
