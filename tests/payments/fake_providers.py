"""Local stand-ins for the providers' APIs, on loopback: an aiohttp server in a thread that
answers as PayPal (OAuth token, Orders v2 create and capture), NowPayments (invoices) and
Stripe (Checkout Sessions with their hosted page and signed webhooks: stripe_checkout.py;
PaymentIntents, customers, refunds) do, records what it was asked, and can be told to be
down (503) or to refuse (400). PayPal's and NowPayments' webhooks are signed by the tests
(paypal_ca for PayPal, the IPN secret for NowPayments)."""

from __future__ import annotations

import asyncio
import itertools
import ssl
import threading
from dataclasses import dataclass, field

from aiohttp import web

from tests.payments.stripe_checkout import StripeCheckout


@dataclass
class FakeProviders:
    url: str = ""
    calls: list[tuple[str, dict]] = field(default_factory=list)
    down: bool = False
    down_paths: tuple[str, ...] = ()  # down for these paths only (one provider)
    cert_chain: bytes = b""  # what PayPal's certificate URL serves
    refuse: bool = False
    checkout: StripeCheckout = field(default_factory=StripeCheckout)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

    def paths(self) -> list[str]:
        return [path for path, _ in self.calls]

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._faults])
        app.router.add_post("/v1/oauth2/token", self._token)
        app.router.add_post("/v2/checkout/orders", self._order)
        app.router.add_post("/v2/checkout/orders/{id}/capture", self._capture)
        app.router.add_post("/v1/invoice", self._invoice)
        app.router.add_get("/v1/notifications/certs/{name}", self._certs)
        app.router.add_post("/v1/payment_intents", self._intent)
        app.router.add_post("/v1/refunds", self._refund)
        app.router.add_post("/v1/customers", self._customer)
        app.router.add_post("/v2/payments/captures/{id}/refund", self._refund)
        self.checkout.add_routes(app)
        return app

    @web.middleware
    async def _faults(self, request: web.Request, handler):
        body = {}
        if request.content_type == "application/json":
            body = await request.json()
        elif request.can_read_body:
            body = dict(await request.post())
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.calls.append((request.path, {"body": body, "headers": headers}))
        if self.down or request.path.startswith(self.down_paths or ("\0",)):
            return web.json_response({"error": {"type": "api_error", "message": "down"}},
                                     status=503)
        if self.refuse:
            return web.json_response({"name": "INVALID_REQUEST", "error": {
                "type": "invalid_request_error", "message": "refused"}}, status=400)
        return await handler(request)

    async def _token(self, request):
        return web.json_response({"access_token": "A21-token", "expires_in": 3600})

    async def _order(self, request):
        order = f"ORDER{next(self._ids)}"
        return web.json_response({"id": order, "status": "PAYER_ACTION_REQUIRED", "links": [
            {"rel": "payer-action", "href": f"{self.url}/checkoutnow?token={order}"}]}, status=201)

    async def _capture(self, request):
        return web.json_response({"id": request.match_info["id"], "status": "COMPLETED"},
                                 status=201)

    async def _invoice(self, request):
        invoice = next(self._ids)
        return web.json_response({"id": str(invoice),
                                  "invoice_url": f"{self.url}/invoice/{invoice}"})

    async def _intent(self, request):
        intent = f"pi_{next(self._ids)}"
        asked = await request.post()
        return web.json_response({"id": intent, "object": "payment_intent",
                                  "client_secret": f"{intent}_secret_x",
                                  "amount": int(asked["amount"]),
                                  "currency": asked["currency"]})


    async def _certs(self, request):
        return web.Response(body=self.cert_chain, content_type="application/x-pem-file")

    async def _customer(self, request):
        return web.json_response({"id": f"cus_{next(self._ids)}", "object": "customer"})

    async def _refund(self, request):
        return web.json_response({"id": f"re_{next(self._ids)}", "status": "succeeded"})


class Running:
    """An aiohttp application (the fake providers by default) served on 127.0.0.1 in a
    thread of its own until ``stop``; ``url`` is where."""

    def __init__(self, app: web.Application | None = None,
                 tls: ssl.SSLContext | None = None) -> None:
        self.fake = FakeProviders()
        self.app = app if app is not None else self.fake.app()
        self.url = ""
        self._tls = tls
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the fake providers did not start")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._runner = web.AppRunner(self.app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._tls)
        self._loop.run_until_complete(site.start())
        port = site._server.sockets[0].getsockname()[1]
        scheme = "https" if self._tls else "http"
        self.url = self.fake.url = self.fake.checkout.url = f"{scheme}://127.0.0.1:{port}"
        self._ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        async def down():
            await self._runner.cleanup()
        asyncio.run_coroutine_threadsafe(down(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()

