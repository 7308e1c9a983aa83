"""The console's registrar side (the site's users, their orders and mail), the audit log,
the quick search and who the operator is."""

from __future__ import annotations

from aiohttp import web

from ..render import json_response
from ..routing import Api, Call
from ..schemas import BOOL, STR, obj
from .params import LIST, admin_route, console, int_query, path

REASON = {"reason": STR}


def site_routes(api: Api) -> None:
    def route(method, p, summary, **kw):
        return admin_route(api, method, p, summary, **kw)

    @route("GET", "/api/admin/me", "The operator logged in and their role",
           response=obj(("user_id", "email", "role"), user_id={"type": "integer"},
                        email=STR, role=STR))
    async def admin_me(call: Call) -> web.Response:
        return json_response(await call.run(console(call).whoami, call.principal))

    @route("GET", "/api/admin/search", "Quick search across TLDs, registrars, names, users "
           "and orders", query=("q",), response=LIST)
    async def admin_search(call: Call) -> web.Response:
        return json_response(await call.run(console(call).search, call.principal,
                                            call.query("q") or ""))

    @route("GET", "/api/admin/audit", "The audit log, newest first",
           query=("type", "object", "actor", "before"), response=LIST)
    async def admin_audit(call: Call) -> web.Response:
        return json_response(await call.run(
            console(call).audit, call.principal, object_type=call.query("type") or None,
            object_name=call.query("object") or None, actor=call.query("actor") or None,
            before_id=int_query(call, "before")))

    @route("GET", "/api/admin/users", "Find site users by id or a part of the address",
           query=("q",), response=LIST)
    async def admin_users(call: Call) -> web.Response:
        return json_response(await call.run(console(call).users, call.principal,
                                            call.query("q") or ""))

    @route("GET", "/api/admin/users/{user_id}", "A user: account, names, orders, ledger, "
           "mail, audit")
    async def admin_user(call: Call) -> web.Response:
        return json_response(await call.run(console(call).user, call.principal,
                                            call.int_path("user_id")))

    @route("POST", "/api/admin/users/{user_id}/lock", "Lock (no login, sessions end) or "
           "unlock an account (operator)", body=obj(("locked",), locked=BOOL, **REASON))
    async def admin_user_lock(call: Call) -> web.Response:
        return json_response(await call.run(console(call).lock_user, call.principal,
                                            call.int_path("user_id"), call.body.get("locked"),
                                            call.body.get("reason")))

    @route("POST", "/api/admin/users/{user_id}/2fa-reset", "Turn off a user's second factor "
           "(a lost device; identity checked out of band) (operator)",
           body=obj(("reason",), **REASON))
    async def admin_user_2fa_reset(call: Call) -> web.Response:
        return json_response(await call.run(console(call).reset_two_factor, call.principal,
                                            call.int_path("user_id"), call.body.get("reason")))

    @route("PUT", "/api/admin/users/{user_id}/role", "Give a user a console role, or take it "
           "away with role=user (superuser)", body=obj(("role",), role=STR, **REASON))
    async def admin_user_role(call: Call) -> web.Response:
        return json_response(await call.run(console(call).set_role, call.principal,
                                            call.int_path("user_id"), call.body.get("role"),
                                            call.body.get("reason")))

    @route("POST", "/api/admin/users/{user_id}/funds", "Add funds to a user's account "
           "(operator)", body=obj(("amount",), amount={"type": "integer", "minimum": 1},
                                  description=STR))
    async def funds(call: Call) -> web.Response:
        return json_response(await call.run(console(call).add_funds, call.principal,
                                            call.int_path("user_id"), call.body.get("amount"),
                                            call.body.get("description")))

    @route("GET", "/api/admin/payments", "Payments, newest first", query=("user", "status"),
           response=LIST)
    async def admin_payments(call: Call) -> web.Response:
        return json_response(await call.run(console(call).payments, call.principal,
                                            int_query(call, "user"),
                                            call.query("status") or None))

    @route("POST", "/api/admin/payments/{payment_id}/refund", "Refund a payment through its "
           "provider: all that is left, or amount (minor units) (operator)",
           body=obj(("reason",), amount={"type": "integer", "minimum": 1}, **REASON))
    async def admin_payment_refund(call: Call) -> web.Response:
        return json_response(await call.run(console(call).refund_payment, call.principal,
                                            call.int_path("payment_id"),
                                            call.body.get("amount"), call.body.get("reason")))

    @route("GET", "/api/admin/orders", "Orders, newest first", query=("user", "status"),
           response=LIST)
    async def admin_orders(call: Call) -> web.Response:
        return json_response(await call.run(console(call).orders, call.principal,
                                            int_query(call, "user"),
                                            call.query("status") or None))

    @route("GET", "/api/admin/orders/{order_id}", "An order with its items and its user")
    async def admin_order(call: Call) -> web.Response:
        return json_response(await call.run(console(call).order, call.principal,
                                            call.int_path("order_id")))

    @route("GET", "/api/admin/upstreams", "The remote registries the site sells names of: "
           "TLDs, markup, polling, order items under way", response=LIST)
    async def admin_upstreams(call: Call) -> web.Response:
        return json_response(await call.run(console(call).upstreams, call.principal))

    @route("GET", "/api/admin/upstreams/{name}", "One upstream and its latest messages")
    async def admin_upstream(call: Call) -> web.Response:
        return json_response(await call.run(console(call).upstream, call.principal,
                                            path(call, "name")))

    @route("GET", "/api/admin/mails", "Mail queued for users, newest first",
           query=("user", "to"), response=LIST)
    async def admin_mails(call: Call) -> web.Response:
        return json_response(await call.run(console(call).mails, call.principal,
                                            int_query(call, "user"), call.query("to") or None))
