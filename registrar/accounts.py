"""Accounts: registration, email verification, passwords and their reset, closing."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from registry.flows.context import FlowContext

from . import mail, sessions, tokens
from .config import RegistrarSettings
from .errors import Conflict, InvalidInput, NotAuthenticated
from .models import SiteDomain, SiteUser
from .passwords import Passwords

# What people type as an address: one @, a dotted domain, no spaces or controls. Whether it
# exists is for the verification mail to find out.
EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f.]+(\.[^@\s\x00-\x1f\x7f.]+)+\Z")


def normalize_email(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidInput("an email address is needed", field="email")
    email = text.strip().lower()
    if len(email) > 254 or not EMAIL.match(email):
        raise InvalidInput(f"{text[:80]!r} is not an email address", field="email")
    return email


def find_user(ctx: FlowContext, email: str) -> SiteUser | None:
    return ctx.session.scalars(select(SiteUser).where(SiteUser.email == email)).first()


def register(ctx: FlowContext, settings: RegistrarSettings, passwords: Passwords, email: str,
             password: str, currency: str, *, role: str = "user",
             verified: bool = False) -> SiteUser:
    email = normalize_email(email)
    passwords.check_new(password, email)
    if find_user(ctx, email) is not None:
        raise Conflict("an account with this address exists: log in, or reset its password",
                       field="email")
    user = SiteUser(email=email, password_hash=passwords.hash(password), created_at=ctx.now,
                    email_verified_at=ctx.now if verified else None, role=role,
                    status="active", balance=0, currency=currency, mail_opt_outs=[])
    ctx.session.add(user)
    ctx.session.flush()  # the unique index decides a race for the same address
    if not verified:
        send_verification(ctx, settings, user)
    return user


def send_verification(ctx: FlowContext, settings: RegistrarSettings, user: SiteUser) -> None:
    tokens.revoke(ctx.session, user.id, "verify", ctx.now)
    token = tokens.issue(ctx.session, user.id, "verify", ctx.now,
                         timedelta(hours=settings.verify_token_hours))
    mail.send(ctx, user, "verify", link=f"{settings.site_url}/verify?token={token}",
              token=token, hours=settings.verify_token_hours)


def verify_email(ctx: FlowContext, token: str) -> SiteUser:
    row = tokens.redeem(ctx.session, "verify", token, ctx.now)
    user = ctx.session.get(SiteUser, row.user_id)
    if user.email_verified_at is None:
        user.email_verified_at = ctx.now
    return user


def authenticate(ctx: FlowContext, passwords: Passwords, email: object,
                 password: object) -> SiteUser:
    """The active user with these credentials; one message whichever part was wrong."""
    try:
        address = normalize_email(email)
    except InvalidInput:
        address = None
    user = find_user(ctx, address) if address else None
    ok = passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None or user.status != "active":
        raise NotAuthenticated("wrong email address or password")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    return user


def change_password(ctx: FlowContext, passwords: Passwords, user: SiteUser, old: str,
                    new: str, keep_session: str | None) -> None:
    if not passwords.verify(user.password_hash, old):
        raise InvalidInput("the current password is wrong", field="current_password")
    user.password_hash = passwords.hash(passwords.check_new(new, user.email))
    sessions.close_all(ctx.session, user.id, keep=keep_session)
    mail.send(ctx, user, "password_changed")


def request_reset(ctx: FlowContext, settings: RegistrarSettings, email: object) -> None:
    """Mail a reset link if the account exists; the caller says the same thing either way."""
    try:
        address = normalize_email(email)
    except InvalidInput:
        return
    user = find_user(ctx, address)
    if user is None or user.status != "active":
        return
    token = tokens.issue(ctx.session, user.id, "reset", ctx.now,
                         timedelta(minutes=settings.reset_token_minutes))
    mail.send(ctx, user, "reset", link=f"{settings.site_url}/reset?token={token}",
              token=token, minutes=settings.reset_token_minutes)


def reset_password(ctx: FlowContext, passwords: Passwords, token: str, new: str) -> SiteUser:
    row = tokens.redeem(ctx.session, "reset", token, ctx.now)
    user = ctx.session.get(SiteUser, row.user_id)
    user.password_hash = passwords.hash(passwords.check_new(new, user.email))
    tokens.revoke(ctx.session, user.id, "reset", ctx.now)
    sessions.close_all(ctx.session, user.id)
    if user.email_verified_at is None:  # the mailed link proves the address too
        user.email_verified_at = ctx.now
    mail.send(ctx, user, "password_changed")
    return user


def set_mail_opt_outs(user: SiteUser, opt_outs: object) -> list[str]:
    if not isinstance(opt_outs, list) or not all(isinstance(t, str) for t in opt_outs):
        raise InvalidInput("opt_outs must be a list of message types", field="opt_outs")
    unknown = set(opt_outs) - mail.TEMPLATES
    if unknown:
        raise InvalidInput(f"no such message type: {', '.join(sorted(unknown))}",
                           field="opt_outs")
    required = set(opt_outs) & mail.REQUIRED
    if required:
        raise InvalidInput(f"these messages are about the account's security and cannot be "
                           f"turned off: {', '.join(sorted(required))}", field="opt_outs")
    user.mail_opt_outs = sorted(set(opt_outs))
    return user.mail_opt_outs


def close_account(ctx: FlowContext, passwords: Passwords, user: SiteUser, password: str) -> None:
    """Only once every name is transferred away or released; the balance stays on record."""
    if not passwords.verify(user.password_hash, password):
        raise InvalidInput("the password is wrong", field="password")
    held = ctx.session.scalar(select(func.count()).select_from(SiteDomain).where(
        SiteDomain.user_id == user.id, SiteDomain.state != "redemption"))
    if held:
        raise Conflict(f"the account still holds {held} name(s): transfer them away or "
                       "delete them first")
    user.status, user.closed_at = "closed", ctx.now
    sessions.close_all(ctx.session, user.id)
    mail.send(ctx, user, "account_closed")
