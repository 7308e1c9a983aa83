"""TOTP second factor (RFC 6238, with pyotp: the usual implementation, also behind
Django's and Flask's 2FA add-ons) and single-use recovery codes.

A code is accepted for its 30-second step and one step either side (clock drift), and each
step only once: the last step used is stored, so a code seen over a shoulder cannot be
replayed. Recovery codes are tokens (tokens.py): stored hashed, each usable once. The
secret itself is stored sealed (secret_box.py): the server must read it back, the database
alone must not.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import pyotp

from registry.flows.context import FlowContext

from . import mail, tokens
from .errors import Conflict, InvalidInput, NotAuthenticated
from .models import SiteUser
from .passwords import Passwords
from .secret_box import SecretBox

RECOVERY_CODES = 10
STEP = 30


def setup(ctx: FlowContext, box: SecretBox, user: SiteUser, issuer: str) -> tuple[str, str]:
    """A new secret, pending until a code from it is confirmed; the secret and its
    otpauth:// URI for an authenticator app's QR code."""
    if user.totp_enabled_at is not None:
        raise Conflict("two-factor authentication is on already: turn it off first")
    secret = pyotp.random_base32()
    user.totp_secret = box.seal(secret)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)
    return secret, uri


def enable(ctx: FlowContext, box: SecretBox, user: SiteUser, code: object) -> list[str]:
    """Turn it on with a first code; the recovery codes, shown this once."""
    if user.totp_enabled_at is not None:
        raise Conflict("two-factor authentication is on already")
    if not user.totp_secret:
        raise Conflict("set it up first: POST /api/account/2fa/setup")
    if not check_code(box, user, code, ctx.now):
        raise InvalidInput("that code is not the current one: check your device's clock",
                           field="code")
    user.totp_enabled_at = ctx.now
    codes = new_recovery_codes(ctx, user)
    mail.send(ctx, user, "two_factor_changed", enabled=True)
    return codes


def disable(ctx: FlowContext, box: SecretBox, passwords: Passwords, user: SiteUser,
            password: object, code: object) -> None:
    if user.totp_enabled_at is None:
        raise Conflict("two-factor authentication is off")
    if not passwords.verify(user.password_hash, password):
        raise InvalidInput("the password is wrong", field="password")
    if not check_code(box, user, code, ctx.now):
        raise InvalidInput("that code is not the current one", field="code")
    turn_off(ctx, user)


def turn_off(ctx: FlowContext, user: SiteUser) -> None:
    """TOTP and the recovery codes gone (the user's own request, or an operator's reset for
    someone who lost the device); the user is told by mail."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    tokens.revoke(ctx.session, user.id, "recovery", ctx.now)
    mail.send(ctx, user, "two_factor_changed", enabled=False)


def new_recovery_codes(ctx: FlowContext, user: SiteUser) -> list[str]:
    tokens.revoke(ctx.session, user.id, "recovery", ctx.now)
    # four groups of six hex digits (96 bits), easy to copy by hand
    codes = ["-".join(secrets.token_hex(3) for _ in range(4)) for _ in range(RECOVERY_CODES)]
    for code in codes:
        tokens.issue(ctx.session, user.id, "recovery", ctx.now, None, token=code)
    return codes


def verify_second_factor(ctx: FlowContext, box: SecretBox, user: SiteUser, code: object,
                         recovery_code: object) -> None:
    """A current TOTP code, or an unused recovery code; else NotAuthenticated."""
    if isinstance(recovery_code, str) and recovery_code:
        try:
            tokens.redeem(ctx.session, "recovery", recovery_code.strip().lower(), ctx.now,
                          user_id=user.id)
            return
        except InvalidInput:
            raise NotAuthenticated("that recovery code is not valid or was used") from None
    if not check_code(box, user, code, ctx.now):
        raise NotAuthenticated("that code is not the current one")


def check_code(box: SecretBox, user: SiteUser, code: object, now: datetime) -> bool:
    if not user.totp_secret or not isinstance(code, str):
        return False
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(box.open(user.totp_secret))
    if (resealed := box.reseal(user.totp_secret)) is not None:
        user.totp_secret = resealed     # a rotated key, or stored before sealing
    step = int(now.timestamp()) // STEP
    for candidate in (step - 1, step, step + 1):
        if user.totp_last_step is not None and candidate <= user.totp_last_step:
            continue
        if secrets.compare_digest(totp.at(candidate * STEP), code):
            user.totp_last_step = candidate
            return True
    return False
