"""Notifications: what the site told the user (every message it sends is kept), newest
first, and marking them read."""

from __future__ import annotations

from aiohttp import web

from .render import json_response
from .routing import Api, Call
from .schemas import BOOL, INT, NULL_STR, STR, TIME, obj

NOTIFICATION = obj(("id", "at", "kind", "subject", "link", "read"), id=INT, at=TIME,
                   kind=STR, subject=STR, link=NULL_STR, read=BOOL)
LISTING = obj(("unread", "notifications"), unread=INT,
              notifications={"type": "array", "items": NOTIFICATION})


def notification_routes(api: Api) -> None:
    @api.route("GET", "/api/notifications", "The user's newest notifications (at most 100) "
               "and how many are unread; ?unread=1 lists the unread ones only",
               response=LISTING, params=({"name": "unread", "in": "query", "schema": {
                   "enum": ["0", "1"]}},))
    async def listing(call: Call) -> web.Response:
        found, unread = await call.run(call.core.notifications, call.user.user_id,
                                       call.query("unread") == "1")
        return json_response({"unread": unread, "notifications": found})

    @api.route("POST", "/api/notifications/read", "Mark notifications read: the given ids "
               "(others' and unknown ones are ignored) or all of them; the unread count after",
               body=obj((), ids={"type": "array", "items": INT}, all=BOOL),
               response=obj(("unread",), unread=INT), scope="read")
    async def mark_read(call: Call) -> web.Response:
        unread = await call.run(call.core.mark_notifications_read, call.user.user_id,
                                call.body.get("ids"), call.body.get("all"))
        return json_response({"unread": unread})
