"""A local stand-in for Stripe Checkout (localstripe has no Checkout Sessions): the API's
``/v1/checkout/sessions``, the hosted page a session's ``url`` names (a plain form: pay or
go back), and, when the payer pays, the webhooks Stripe sends, signed with the endpoint's
secret as Stripe signs them (the official ``stripe`` package's signer). Mounted on the
fake providers' application (fake_providers.py), on loopback.

``hold_webhooks``: the payer is sent back first and the webhooks wait for ``release``
(the user on the return page before the money is known); otherwise they are delivered
before the payer is sent back (the webhook that arrives before the redirect)."""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import time
from dataclasses import dataclass, field

import aiohttp
import stripe
from aiohttp import web


@dataclass
class Session:
    id: str
    amount: int
    currency: str
    metadata: dict
    intent_metadata: dict
    client_reference_id: str
    success_url: str
    cancel_url: str
    customer: str | None
    save_card: bool
    status: str = "open"
    payment_intent: str | None = None


@dataclass
class StripeCheckout:
    url: str = ""  # where the application serving these routes listens
    webhook_url: str = ""
    webhook_secret: str = ""
    hold_webhooks: bool = False
    sessions: dict[str, Session] = field(default_factory=dict)
    delivered: list[tuple[str, int, str]] = field(default_factory=list)  # type, status, text
    _held: list[bytes] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/checkout/sessions", self._create)
        app.router.add_get("/c/pay/{id}", self._page)
        app.router.add_post("/c/pay/{id}", self._pay)

    async def release(self) -> None:
        """Deliver the webhooks held back (call on the application's loop)."""
        held, self._held = self._held, []
        for body in held:
            await self._deliver(body)

    # -- the API ----------------------------------------------------------------------

    async def _create(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("mode") != "payment" or form.get("line_items[0][quantity]") != "1":
            return _error("only one line item in payment mode here")
        session = Session(
            id=f"cs_test_{next(self._ids):04d}{int(time.time())}",
            amount=int(form["line_items[0][price_data][unit_amount]"]),
            currency=form["line_items[0][price_data][currency]"],
            metadata=_nested(form, "metadata"),
            intent_metadata=_nested(form, "payment_intent_data[metadata]"),
            client_reference_id=form.get("client_reference_id", ""),
            success_url=form["success_url"], cancel_url=form["cancel_url"],
            customer=form.get("customer"),
            save_card=form.get("payment_intent_data[setup_future_usage]") == "off_session")
        self.sessions[session.id] = session
        return web.json_response(self._object(session))

    def _object(self, s: Session) -> dict:
        return {"id": s.id, "object": "checkout.session", "mode": "payment",
                "url": f"{self.url}/c/pay/{s.id}", "amount_total": s.amount,
                "currency": s.currency, "metadata": s.metadata,
                "client_reference_id": s.client_reference_id, "customer": s.customer,
                "status": s.status, "payment_intent": s.payment_intent,
                "payment_status": "paid" if s.status == "complete" else "unpaid",
                "success_url": s.success_url, "cancel_url": s.cancel_url}

    # -- the hosted page --------------------------------------------------------------

    async def _page(self, request: web.Request) -> web.Response:
        session = self.sessions.get(request.match_info["id"])
        if session is None:
            return web.Response(status=404, text="no such checkout session")
        price = f"{session.amount / 100:.2f} {session.currency.upper()}"
        page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pay {price} (Stripe test)</title></head>
<body><main><h1>Pay {price}</h1>
<form method="post" action="/c/pay/{html.escape(session.id)}">
<label for="card">Card number</label>
<input id="card" name="card" value="4242 4242 4242 4242" autocomplete="off">
<button type="submit">Pay</button>
</form>
<p><a href="{html.escape(session.cancel_url)}">Back to the site</a></p>
</main></body></html>"""
        return web.Response(text=page, content_type="text/html")

    async def _pay(self, request: web.Request) -> web.Response:
        session = self.sessions.get(request.match_info["id"])
        if session is None or session.status != "open":
            return web.Response(status=409, text="this checkout session is not open")
        session.status = "complete"
        session.payment_intent = f"pi_test_{next(self._ids):04d}"
        intent = {"id": session.payment_intent, "object": "payment_intent",
                  "status": "succeeded", "amount": session.amount,
                  "amount_received": session.amount, "currency": session.currency,
                  "metadata": session.intent_metadata, "customer": session.customer,
                  "payment_method": f"pm_test_{next(self._ids):04d}"
                  if session.save_card else None}
        events = [self._event("checkout.session.completed", self._object(session)),
                  self._event("payment_intent.succeeded", intent)]
        if self.hold_webhooks:
            self._held.extend(events)
        else:
            for body in events:
                await self._deliver(body)
        raise web.HTTPSeeOther(session.success_url)

    # -- webhooks ---------------------------------------------------------------------

    def _event(self, event_type: str, obj: dict) -> bytes:
        return json.dumps({"id": f"evt_test_{next(self._ids):04d}", "object": "event",
                           "type": event_type, "data": {"object": obj}}).encode()

    async def _deliver(self, body: bytes) -> None:
        header = stripe.WebhookSignature.generate_signature_header(
            body.decode(), self.webhook_secret)
        async with aiohttp.ClientSession() as client, client.post(
                self.webhook_url, data=body, headers={
                    "Stripe-Signature": header, "Content-Type": "application/json"},
                timeout=aiohttp.ClientTimeout(total=30)) as answer:
            self.delivered.append((json.loads(body)["type"], answer.status,
                                   await answer.text()))


def _nested(form, prefix: str) -> dict:
    """``prefix[key]=value`` form fields (Stripe's encoding of a map) as a dict."""
    start = prefix + "["
    return {k[len(start):-1]: v for k, v in form.items()
            if k.startswith(start) and k.endswith("]") and "[" not in k[len(start):-1]}


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": {"type": "invalid_request_error", "message": message}},
                             status=status)


def run_on(running, coroutine) -> None:
    """Run ``coroutine`` on the loop of ``running`` (fake_providers.Running), waiting."""
    asyncio.run_coroutine_threadsafe(coroutine, running._loop).result(60)
