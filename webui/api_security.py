"""The second factor: finishing a login with a TOTP or recovery code, turning TOTP on and
off."""

from __future__ import annotations

from aiohttp import web

from registrar.errors import NotAuthenticated

from .qr_code import qr_path
from .render import json_response
from .routing import Api, Call
from .schemas import INT, STR, obj, ref
from .security import require_user, session_token, set_session_cookie

CODES = {"type": "array", "items": STR}


def security_routes(api: Api) -> None:
    @api.route("POST", "/api/session/2fa", "Finish logging in with the authenticator's code "
               "or a recovery code: the session is replaced by a full one", auth="none",
               body=obj((), code=STR, recovery_code=STR),
               response=obj(("user", "session"), user=ref("User"), session=ref("Session")))
    async def second_factor(call: Call) -> web.Response:
        half = require_user(call.principal, second_factor_step=True)
        if not half.needs_second_factor:
            raise NotAuthenticated("this session needs no second factor")
        call.app["limits"]["login"].hit(call.address, f"user:{half.user_id}",
                                        what="code attempts")
        settings = call.core.settings
        session = await call.run(call.core.second_factor, session_token(call.request, settings),
                                 call.body.get("code"), call.body.get("recovery_code"))
        user = await call.run(call.core.me, half.user_id)
        response = json_response({"user": user, "session": {
            "csrf_token": session.csrf, "expires_at": session.expires_at,
            "needs_second_factor": False}})
        set_session_cookie(response, settings, session)
        return response

    @api.route("POST", "/api/account/2fa/setup", "Start turning on TOTP: a secret for the "
               "authenticator app (confirm it with /enable)", body=obj(()),
               response=obj(("secret", "otpauth_uri", "qr"), secret=STR, otpauth_uri=STR,
                            qr=obj(("size", "path"), size=INT, path=STR)))
    async def setup(call: Call) -> web.Response:
        answer = await call.run(call.core.two_factor_setup, call.user.user_id)
        return json_response({**answer, "qr": qr_path(answer["otpauth_uri"])})

    @api.route("POST", "/api/account/2fa/enable", "Turn TOTP on with a first code; the "
               "recovery codes are answered this once", body=obj(("code",), code=STR),
               response=obj(("recovery_codes",), recovery_codes=CODES))
    async def enable(call: Call) -> web.Response:
        codes = await call.run(call.core.two_factor_enable, call.user.user_id,
                               call.body.get("code"))
        return json_response({"recovery_codes": codes})

    @api.route("POST", "/api/account/2fa/disable", "Turn TOTP off (password and a code)",
               body=obj(("password", "code"), password=STR, code=STR), status=204)
    async def disable(call: Call) -> web.Response:
        await call.run(call.core.two_factor_disable, call.user.user_id,
                       call.body.get("password"), call.body.get("code"))
        return web.Response(status=204)
