"""Payments by Stripe, PayPal and NowPayments, credited only from verified events.

A payment is made by us first (``rules.create``: user, amount, currency, purpose) with an
outbox event that has the provider's checkout made (``service.PaymentService.checkout``, the
``payments`` consumer if the request could not). Money moves only when the provider's event
is verified (each provider's module: ``stripe``, ``paypal``, ``nowpayments``) and matches
that payment (``rules.apply``), once per provider event id (a unique constraint), in the
transaction that writes the ledger. docs/payments.md says how to configure each provider.
"""
