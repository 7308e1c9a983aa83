"""Search and orders."""

from __future__ import annotations

from aiohttp import web

from registrar.errors import InvalidInput

from .render import json_response
from .routing import Api, Call
from .schemas import INT, STR, array, obj, ref

CART = obj(("items",), items={"type": "array", "minItems": 1, "items": obj(
    ("name",), name=STR, operation={"enum": ["create", "renew", "transfer", "restore"]},
    years={"type": "integer", "minimum": 1, "maximum": 10}, auth_code=STR)})


def shop_routes(api: Api) -> None:
    @api.route("GET", "/api/tlds", "The TLDs on sale", auth="none",
               response={"type": "array", "items": STR}, tag="search")
    async def tlds(call: Call) -> web.Response:
        return json_response(await call.run(call.core.tlds))

    @api.route("GET", "/api/search", "Availability and prices of a name in many TLDs",
               auth="none", response=array("SearchResult"), tag="search", params=(
                   {"name": "q", "in": "query", "required": True, "schema": STR,
                    "description": "a label or label.tld, Unicode welcome"},
                   {"name": "tld", "in": "query", "required": False, "explode": True,
                    "schema": {"type": "array", "items": STR},
                    "description": "TLDs to search (default: all)"}))
    async def search(call: Call) -> web.Response:
        who = f"user:{call.principal.user_id}" if call.principal else ""
        call.app["limits"]["search"].hit(call.address, who, what="searches")
        query = call.query("q")
        if query is None:
            raise InvalidInput("give the name to search for as ?q=", field="q")
        tlds = call.request.query.getall("tld", []) or None
        return json_response(await call.run(call.core.search, query, tlds))

    @api.route("POST", "/api/orders", "Buy: pay for a cart from the balance and carry it "
               "out (each item done, or failed and refunded)", body=CART,
               response=ref("Order"), status=201, tag="orders", scope="orders")
    async def place(call: Call) -> web.Response:
        return json_response(await call.run(call.core.place_order, call.user.user_id,
                                            call.body.get("items")), 201)

    @api.route("GET", "/api/orders", "The user's orders, newest first",
               response=array("Order"), tag="orders")
    async def orders(call: Call) -> web.Response:
        return json_response(await call.run(call.core.orders, call.user.user_id))

    @api.route("GET", "/api/orders/{order_id}", "One order", response=ref("Order"),
               tag="orders", params=({"name": "order_id", "in": "path", "required": True,
                                      "schema": INT},))
    async def order(call: Call) -> web.Response:
        return json_response(await call.run(call.core.order, call.user.user_id,
                                            call.int_path("order_id")))

