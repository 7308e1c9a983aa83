"""DNS hosting for a name the user holds: turn it on or off, the zone's records, signing."""

from __future__ import annotations

from aiohttp import web

from .api_domains import NAME
from .render import json_response
from .routing import Api, Call
from .schemas import BOOL, INT, NULL_STR, NULL_TIME, STR, obj

RRSET = obj(("name", "type", "ttl", "contents"), name=STR, type=STR, ttl=INT,
            contents={"type": "array", "items": STR})
# as answered: the owner name also in U-labels (``name`` is the A-label form served)
RECORD = obj(("name", "unicode_name", "type", "ttl", "contents"), name=STR,
             unicode_name=STR, type=STR, ttl=INT, contents={"type": "array", "items": STR})
ZONE = obj(("name", "unicode_name", "nameservers", "delegated", "records", "signed",
            "revision", "applied", "dnssec", "step", "next_step_at", "error"),
           name=STR, unicode_name=STR, nameservers={"type": "array", "items": STR},
           delegated=BOOL, records={"type": "array", "items": RECORD}, signed=BOOL,
           revision=INT, applied=BOOL,
           dnssec={"type": "string", "enum": ["unsigned", "signing", "signed", "unsigning"]},
           step=NULL_STR, next_step_at=NULL_TIME, error=NULL_STR)


def hosted_routes(api: Api) -> None:
    def route(method, path, summary, **kw):
        return api.route(method, path, summary, tag="dns", scope="domains",
                         params=NAME, **kw)

    def name(call: Call) -> str:
        return call.request.match_info["name"]

    @route("GET", "/api/domains/{name}/dns", "The hosted zone: records, signing, and "
           "whether the DNS servers have applied the last change", response=ZONE)
    async def zone(call: Call) -> web.Response:
        return json_response(await call.run(call.core.hosted_zone, call.user.user_id,
                                            name(call)))

    @route("POST", "/api/domains/{name}/dns", "Host the name's DNS here: an empty zone, and "
           "the name delegated to the hosting name servers", body=obj(()), response=ZONE,
           status=201)
    async def enable(call: Call) -> web.Response:
        return json_response(await call.run(call.core.enable_hosting, call.user.user_id,
                                            name(call)), status=201)

    @route("PUT", "/api/domains/{name}/dns/records", "Replace the zone's records (every "
           "RRset but the apex NS), checked as a whole; owner names may be typed in U-labels",
           body=obj(("records",), records={"type": "array", "items": RRSET}),
           response=ZONE)
    async def records(call: Call) -> web.Response:
        return json_response(await call.run(call.core.set_hosted_records, call.user.user_id,
                                            name(call), call.body.get("records")))

    @route("PUT", "/api/domains/{name}/dns/signed", "Sign or unsign the zone (the DS reaches "
           "the TLD once every server has the keys and cached answers expired)",
           body=obj(("signed",), signed=BOOL), response=ZONE)
    async def signed(call: Call) -> web.Response:
        return json_response(await call.run(call.core.sign_hosted, call.user.user_id,
                                            name(call), call.body.get("signed")))

    @route("DELETE", "/api/domains/{name}/dns", "Stop hosting (an unsigned zone only); the "
           "hosting name servers leave the name", status=204)
    async def disable(call: Call) -> web.Response:
        await call.run(call.core.disable_hosting, call.user.user_id, name(call))
        return web.Response(status=204)
