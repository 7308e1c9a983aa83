"""Accounts: register, verify, log in and out, passwords and their reset, preferences,
closing, the ledger."""

from __future__ import annotations

from aiohttp import web

from registrar.errors import NotAuthenticated

from .render import json_response
from .routing import Api, Call
from .schemas import BOOL, CONTACT, CREDENTIALS, STR, USER, array, obj, ref
from .security import (
    clear_session_cookie,
    require_user,
    session_token,
    set_session_cookie,
)

LOGGED_IN = obj(("user", "session"), user=USER, session=ref("Session"))


def account_routes(api: Api) -> None:
    @api.route("POST", "/api/account", "Register; a verification link is mailed",
               auth="none", body=CREDENTIALS, response=ref("User"), status=201)
    async def register(call: Call) -> web.Response:
        call.app["limits"]["register"].hit(call.address, what="registrations from here")
        user = await call.run(call.core.register, call.body.get("email"),
                              call.body.get("password"))
        return json_response(user, 201)

    @api.route("POST", "/api/account/verify", "Verify the email address with the mailed token",
               auth="none", body=obj(("token",), token=STR), response=ref("User"))
    async def verify(call: Call) -> web.Response:
        return json_response(await call.run(call.core.verify_email, call.body.get("token")))

    @api.route("POST", "/api/account/verify/resend", "Mail the verification link again",
               status=204)
    async def resend(call: Call) -> web.Response:
        call.app["limits"]["reset"].hit(call.address, f"user:{call.user.user_id}",
                                        what="verification mails")
        await call.run(call.core.resend_verification, call.user.user_id)
        return web.Response(status=204)

    @api.route("POST", "/api/session", "Log in: a new session cookie (HttpOnly) and its "
               "CSRF token", auth="none", body=CREDENTIALS, response=LOGGED_IN)
    async def login(call: Call) -> web.Response:
        email = call.body.get("email")
        call.app["limits"]["login"].hit(
            call.address, f"email:{email.strip().lower()}" if isinstance(email, str) else "",
            what="login attempts")
        settings = call.core.settings
        session = await call.run(call.core.login, email, call.body.get("password"),
                                 session_token(call.request, settings))
        principal = await call.run(call.core.principal, session.token)
        user = await call.run(call.core.me, principal.user_id)
        response = json_response({"user": user, "session": {
            "csrf_token": session.csrf, "expires_at": session.expires_at,
            "needs_second_factor": session.needs_second_factor}})
        set_session_cookie(response, settings, session)
        return response

    @api.route("GET", "/api/session", "The current session's CSRF token (pages load it "
               "instead of keeping it anywhere), also half a session waiting for its second "
               "factor", auth="none",
               response=obj(("csrf_token", "needs_second_factor"), csrf_token=STR,
                            needs_second_factor=BOOL))
    async def current_session(call: Call) -> web.Response:
        principal = require_user(call.principal, second_factor_step=True)
        if principal.csrf is None:
            raise NotAuthenticated("an API key has no session")
        return json_response({"csrf_token": principal.csrf,
                              "needs_second_factor": principal.needs_second_factor})

    @api.route("DELETE", "/api/session", "Log out", auth="none", status=204)
    async def logout(call: Call) -> web.Response:
        if call.principal is not None:
            await call.run(call.core.logout, session_token(call.request, call.core.settings))
        response = web.Response(status=204)
        clear_session_cookie(response, call.core.settings)
        return response

    @api.route("GET", "/api/account", "The logged-in user", response=ref("User"))
    async def me(call: Call) -> web.Response:
        return json_response(await call.run(call.core.me, call.user.user_id))

    @api.route("POST", "/api/account/password", "Change the password; other sessions end",
               body=obj(("current_password", "new_password"), current_password=STR,
                        new_password=STR), status=204)
    async def change_password(call: Call) -> web.Response:
        await call.run(call.core.change_password, call.user.user_id,
                       call.body.get("current_password"), call.body.get("new_password"),
                       session_token(call.request, call.core.settings))
        return web.Response(status=204)

    @api.route("POST", "/api/password-reset", "Mail a reset link if the account exists (the "
               "answer is the same either way)", auth="none", body=obj(("email",), email=STR),
               status=202)
    async def request_reset(call: Call) -> web.Response:
        email = call.body.get("email")
        call.app["limits"]["reset"].hit(
            call.address, f"email:{email.strip().lower()}" if isinstance(email, str) else "",
            what="reset requests")
        await call.run(call.core.request_reset, email)
        return web.Response(status=202)

    @api.route("POST", "/api/password-reset/confirm", "Set a new password with the mailed "
               "token; every session ends", auth="none",
               body=obj(("token", "password"), token=STR, password=STR), status=204)
    async def reset(call: Call) -> web.Response:
        call.app["limits"]["reset"].hit(call.address, what="reset attempts")
        await call.run(call.core.reset_password, call.body.get("token"),
                       call.body.get("password"))
        return web.Response(status=204)

    @api.route("PUT", "/api/account/mail-preferences", "Message types not to send",
               body=obj(("opt_outs",), opt_outs={"type": "array", "items": STR}),
               response=ref("User"))
    async def mail_preferences(call: Call) -> web.Response:
        return json_response(await call.run(call.core.set_mail_opt_outs, call.user.user_id,
                                            call.body.get("opt_outs")))

    @api.route("PUT", "/api/account/contact", "The registrant details sent with each name "
               "registered from now on (private at the registry: nothing disclosed)",
               body=CONTACT, response=ref("User"))
    async def contact(call: Call) -> web.Response:
        return json_response(await call.run(call.core.set_contact, call.user.user_id,
                                            call.body))

    @api.route("POST", "/api/account/close", "Close the account (it must hold no names)",
               body=obj(("password",), password=STR), status=204)
    async def close(call: Call) -> web.Response:
        await call.run(call.core.close_account, call.user.user_id, call.body.get("password"))
        response = web.Response(status=204)
        clear_session_cookie(response, call.core.settings)
        return response

    @api.route("GET", "/api/account/ledger", "The account's ledger, newest first",
               response=array("LedgerEntry"))
    async def ledger(call: Call) -> web.Response:
        return json_response(await call.run(call.core.ledger, call.user.user_id))
