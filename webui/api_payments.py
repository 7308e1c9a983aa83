"""Payments: top-ups by a provider (the route table: documented in /api/openapi.json), and
the providers' webhooks (raw bodies, for their signatures: registered beside the table)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from registrar.payments.service import WEBHOOK_PATH, PaymentService

from .api_shop import CART
from .render import json_response
from .routing import Api, Call, read_bounded
from .schemas import INT, NULL_STR, NULL_TIME, STR, TIME, obj, ref

PAYMENT = obj(("id", "provider", "purpose", "status", "amount", "received", "reversed",
               "checkout_url", "created_at", "paid_at", "error", "order_id"),
              id=INT, provider=STR, purpose=STR,
              status={"enum": ["created", "pending", "paid", "partial", "failed", "refunded"]},
              amount=ref("Money"), received=ref("Money"), reversed=ref("Money"),
              checkout_url=NULL_STR, created_at=TIME,
              paid_at=NULL_TIME, error=NULL_STR, order_id={"type": ["integer", "null"]})
PROVIDERS = obj(("providers", "currency", "min_amount", "max_amount"),
                providers={"type": "array", "items": STR}, currency=STR, min_amount=INT,
                max_amount=INT)
PAYMENT_ID = ({"name": "payment_id", "in": "path", "required": True, "schema": INT},)


def payment_routes(api: Api) -> None:
    @api.route("GET", "/api/payments/providers", "The payment providers offered, and what a "
               "top-up may be", auth="none", response=PROVIDERS, tag="payments")
    async def providers(call: Call) -> web.Response:
        payments: PaymentService = call.app["payments"]
        s = payments.settings
        return json_response({
            "providers": list(payments.offered), "currency": await call.run(
                lambda: call.core.currency), "min_amount": s.min_amount,
            "max_amount": s.max_amount})

    @api.route("POST", "/api/payments", "Top up: a payment of amount (minor units) by a "
               "provider; send the payer to its checkout_url (the provider's own page, "
               "which sends them back to /payments/{id}). The balance is credited once the "
               "provider tells us, by a verified event, that the money arrived",
               body=obj(("provider", "amount"), provider=STR,
                        amount={"type": "integer", "minimum": 1}),
               response=PAYMENT, status=201, tag="payments", scope="orders")
    async def start(call: Call) -> web.Response:
        payments: PaymentService = call.app["payments"]
        return json_response(await call.run(payments.start, call.user.user_id,
                                            call.body.get("provider"),
                                            call.body.get("amount")), 201)

    @api.route("POST", "/api/payments/orders", "Pay for a cart the balance cannot pay: a "
               "payment by a provider for what the balance lacks (at least min_amount); send "
               "the payer to its checkout_url. Once the verified event has credited it, the "
               "order is placed from the balance (the payment's order_id names it); if it "
               "can no longer be placed, the money stays in the balance",
               body=obj(("provider", "items"), provider=STR, items=CART["properties"]["items"]),
               response=PAYMENT, status=201, tag="payments", scope="orders")
    async def pay_order(call: Call) -> web.Response:
        payments: PaymentService = call.app["payments"]
        return json_response(await call.run(payments.pay_order, call.user.user_id,
                                            call.body.get("provider"),
                                            call.body.get("items")), 201)

    @api.route("GET", "/api/payments", "The user's payments, newest first",
               response={"type": "array", "items": PAYMENT}, tag="payments")
    async def listing(call: Call) -> web.Response:
        return json_response(await call.run(call.app["payments"].payments, call.user.user_id))

    @api.route("GET", "/api/payments/{payment_id}", "One payment and its state",
               response=PAYMENT, tag="payments", params=PAYMENT_ID)
    async def payment(call: Call) -> web.Response:
        return json_response(await call.run(call.app["payments"].payment, call.user.user_id,
                                            call.int_path("payment_id")))


def add_webhooks(app: web.Application) -> None:
    app.router.add_post(WEBHOOK_PATH, _webhook)


async def _webhook(request: web.Request) -> web.Response:
    """Thin: the raw body (bounded), the headers, the core's answer as the provider expects
    it (200 taken, 400 refused; a failure of ours is a 5xx, which the provider retries)."""
    payments: PaymentService = request.app["payments"]
    limit = payments.settings.webhook_max_bytes
    body = await read_bounded(request, limit)
    if body is None:
        return web.Response(status=413, text=f"the body is larger than {limit} bytes")
    answer = await asyncio.get_running_loop().run_in_executor(
        None, payments.webhook, request.match_info["provider"], dict(request.headers), body)
    return web.Response(status=answer.status, text=answer.text)
