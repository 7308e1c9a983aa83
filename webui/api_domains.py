"""The names a user holds: details, name servers, DS records, locks, auth code, auto-renew,
transfers away, release."""

from __future__ import annotations

from aiohttp import web

from .render import json_response
from .routing import Api, Call
from .schemas import BOOL, INT, NULL_TIME, STR, TIME, obj

NAME = ({"name": "name", "in": "path", "required": True, "schema": STR,
         "description": "the name, A-labels or U-labels"},)
DS = obj(("key_tag", "algorithm", "digest_type", "digest"), key_tag=INT, algorithm=INT,
         digest_type=INT, digest=STR)
SUMMARY = obj(("name", "unicode_name", "state", "expires_at", "auto_renew"), name=STR,
              unicode_name=STR, state=STR, expires_at=TIME, auto_renew=BOOL)
DETAIL = obj(("name", "unicode_name", "state", "created_at", "expires_at", "auto_renew",
              "statuses", "locks", "nameservers", "ds", "has_auth_code"),
             name=STR, unicode_name=STR, state=STR, created_at=TIME, expires_at=NULL_TIME,
             auto_renew=BOOL, statuses={"type": "array", "items": STR},
             locks={"type": "object", "additionalProperties": BOOL},
             nameservers={"type": "array", "items": STR},
             ds={"type": "array", "items": DS}, has_auth_code=BOOL)
SERVER = {"oneOf": [STR, obj(("name",), name=STR,
                             addresses={"type": "array", "items": STR})]}


def domain_routes(api: Api) -> None:
    def route(method, path, summary, **kw):
        return api.route(method, path, summary, tag="domains", scope="domains",
                         params=NAME if "{name}" in path else (), **kw)

    @route("GET", "/api/domains", "The names the user holds",
           response={"type": "array", "items": SUMMARY})
    async def domains(call: Call) -> web.Response:
        return json_response(await call.run(call.core.domains, call.user.user_id))

    @route("GET", "/api/domains/{name}", "A name as the registry has it", response=DETAIL)
    async def domain(call: Call) -> web.Response:
        return json_response(await call.run(call.core.domain, call.user.user_id,
                                            call.request.match_info["name"]))

    @route("PUT", "/api/domains/{name}/nameservers", "Set the name servers (glue hosts "
           "under the name with their addresses)",
           body=obj(("nameservers",), nameservers={"type": "array", "items": SERVER}),
           response=DETAIL)
    async def nameservers(call: Call) -> web.Response:
        return json_response(await call.run(
            call.core.set_nameservers, call.user.user_id, call.request.match_info["name"],
            call.body.get("nameservers")))

    @route("POST", "/api/domains/{name}/ds", "Add and remove DS records",
           body=obj((), add={"type": "array", "items": DS},
                    remove={"type": "array", "items": DS}), response=DETAIL)
    async def ds(call: Call) -> web.Response:
        return json_response(await call.run(
            call.core.change_ds, call.user.user_id, call.request.match_info["name"],
            call.body.get("add"), call.body.get("remove")))

    @route("PUT", "/api/domains/{name}/locks", "Set or clear the client locks",
           body=obj((), delete=BOOL, transfer=BOOL, update=BOOL, renew=BOOL),
           response=DETAIL)
    async def locks(call: Call) -> web.Response:
        return json_response(await call.run(
            call.core.set_locks, call.user.user_id, call.request.match_info["name"],
            call.body))

    @route("PUT", "/api/domains/{name}/auto-renew", "Renew from the balance before expiry, "
           "or not", body=obj(("auto_renew",), auto_renew=BOOL), response=DETAIL)
    async def auto_renew(call: Call) -> web.Response:
        return json_response(await call.run(
            call.core.set_auto_renew, call.user.user_id, call.request.match_info["name"],
            call.body.get("auto_renew")))

    @route("POST", "/api/domains/{name}/auth-code", "A new auth code for a transfer away "
           "(shown once: it is stored hashed)", body=obj(()),
           response=obj(("auth_code",), auth_code=STR))
    async def auth_code(call: Call) -> web.Response:
        code = await call.run(call.core.reset_auth_code, call.user.user_id,
                              call.request.match_info["name"])
        return json_response({"auth_code": code})

    @route("POST", "/api/domains/{name}/transfer-answer", "Approve or reject a pending "
           "transfer away", body=obj(("approve",), approve=BOOL), status=204)
    async def transfer_answer(call: Call) -> web.Response:
        await call.run(call.core.answer_transfer, call.user.user_id,
                       call.request.match_info["name"], call.body.get("approve"))
        return web.Response(status=204)

    @route("POST", "/api/domains/{name}/gift", "Give the name to someone by email (they "
           "accept with the mailed link)", body=obj(("email",), email=STR), status=202)
    async def gift(call: Call) -> web.Response:
        await call.run(call.core.give, call.user.user_id, call.request.match_info["name"],
                       call.body.get("email"))
        return web.Response(status=202)

    @api.route("POST", "/api/gifts/accept", "Accept a name given to your address",
               body=obj(("token",), token=STR), response=obj(("name",), name=STR),
               tag="domains", scope="domains")
    async def accept_gift(call: Call) -> web.Response:
        name = await call.run(call.core.accept_gift, call.user.user_id, call.body.get("token"))
        return json_response({"name": name})

    @route("DELETE", "/api/domains/{name}", "Release the name (the registry's redemption "
           "period applies)", status=204)
    async def release(call: Call) -> web.Response:
        await call.run(call.core.release, call.user.user_id, call.request.match_info["name"])
        return web.Response(status=204)
