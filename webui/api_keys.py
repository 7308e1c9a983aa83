"""Users' API keys: create (the key is answered once), list, revoke."""

from __future__ import annotations

from aiohttp import web

from registrar.api_keys import SCOPES

from .render import json_response
from .routing import Api, Call
from .schemas import BOOL, INT, NULL_TIME, STR, TIME, obj

KEY = obj(("id", "name", "prefix", "scopes", "created_at", "last_used_at", "revoked"),
          id=INT, name=STR, prefix=STR, scopes={"type": "array", "items": STR},
          created_at=TIME, last_used_at=NULL_TIME, revoked=BOOL)


def key_routes(api: Api) -> None:
    @api.route("GET", "/api/account/api-keys", "The user's API keys",
               response={"type": "array", "items": KEY})
    async def keys(call: Call) -> web.Response:
        return json_response(await call.run(call.core.api_keys, call.user.user_id))

    @api.route("POST", "/api/account/api-keys", "A new API key (answered this once); send "
               "it as Authorization: Bearer <key>",
               body=obj(("name", "scopes"), name=STR, scopes={
                   "type": "array", "items": {"enum": list(SCOPES)}}),
               response=obj(("key", "api_key"), key=STR, api_key=KEY), status=201)
    async def create(call: Call) -> web.Response:
        key, view = await call.run(call.core.create_api_key, call.user.user_id,
                                   call.body.get("name"), call.body.get("scopes"))
        return json_response({"key": key, "api_key": view}, 201)

    @api.route("DELETE", "/api/account/api-keys/{key_id}", "Revoke an API key", status=204,
               params=({"name": "key_id", "in": "path", "required": True, "schema": INT},))
    async def revoke(call: Call) -> web.Response:
        await call.run(call.core.revoke_api_key, call.user.user_id, call.int_path("key_id"))
        return web.Response(status=204)
