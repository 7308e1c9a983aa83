"""The registry's operators: site accounts with a console role, who may act only once they
have turned on two-factor authentication; and what they do to the site's users (lock,
reset a lost second factor, give a role, add funds).

Roles, lowest first: ``readonly`` reads everything; ``operator`` also runs the day's work
(domain holds and locks, restores, credit and debit, users, the outbox);
``superuser`` also configures the registry (TLDs, prices, premium and reserved names,
registrars) and gives roles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from registry.flows.context import Actor, FlowContext

from . import ledger, sessions, two_factor
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .models import SiteDomain, SiteMail, SiteOrder, SitePayment, SiteUser
from .views import Money

ROLES = ("readonly", "operator", "superuser")
RANK = {role: rank for rank, role in enumerate(ROLES, 1)}
USER_ROLES = ("user", *ROLES)
MAX_LIST = 500


@dataclass(frozen=True)
class Operator:
    user_id: int
    email: str
    role: str


def actor_for(user_id: int, email: str) -> Actor:
    """How the registry's history and the audit log name an operator (64 characters)."""
    login = email if len(email) <= 48 else f"user{user_id}"
    return Actor.operator(login)


def acting(ctx: FlowContext, user_id: int, need: str) -> Operator:
    """The operator behind ``user_id`` if they may do what needs ``need``: in the
    transaction of what they do, so a role taken away or a second factor turned off counts
    at once."""
    user = ctx.session.get(SiteUser, user_id)
    if user is None or user.status != "active" or user.role not in RANK:
        raise Forbidden("for the registry's operators only")
    if user.totp_enabled_at is None:
        raise Forbidden("operators must turn on two-factor authentication before anything "
                        "else: POST /api/account/2fa/setup, then /api/account/2fa/enable")
    if RANK[user.role] < RANK[need]:
        raise Forbidden(f"this needs the {need} role; yours is {user.role}")
    return Operator(user.id, user.email, user.role)


# -- the site's users, as operators see them -------------------------------------------

@dataclass(frozen=True)
class UserRow:
    id: int
    email: str
    role: str
    status: str
    verified: bool
    two_factor: bool
    balance: Money
    created_at: datetime

    @classmethod
    def of(cls, u: SiteUser) -> UserRow:
        return cls(u.id, u.email, u.role, u.status, u.email_verified_at is not None,
                   u.totp_enabled_at is not None, Money(u.balance, u.currency), u.created_at)


@dataclass(frozen=True)
class MailRow:
    id: int
    at: datetime
    user_id: int | None
    recipient: str
    template: str


@dataclass(frozen=True)
class PaymentRow:
    """A payment as operators see it (never its checkout's secrets)."""

    id: int
    user_id: int
    provider: str
    status: str
    amount: Money
    received: Money
    reversed: Money
    provider_payment: str | None
    created_at: datetime
    paid_at: datetime | None
    error: str | None

    @classmethod
    def of(cls, p: SitePayment) -> PaymentRow:
        return cls(p.id, p.user_id, p.provider, p.status, Money(p.amount, p.currency),
                   Money(p.received, p.currency), Money(p.reversed, p.currency),
                   p.provider_payment, p.created_at, p.paid_at, p.error)


def payments(ctx: FlowContext, *, user_id: int | None = None, status: str | None = None,
             limit: int = 100) -> list[PaymentRow]:
    _check_limit(limit)
    stmt = select(SitePayment).order_by(SitePayment.id.desc()).limit(limit)
    if user_id is not None:
        stmt = stmt.where(SitePayment.user_id == user_id)
    if status:
        stmt = stmt.where(SitePayment.status == status)
    return [PaymentRow.of(p) for p in ctx.session.scalars(stmt)]


def payment_snapshot(ctx: FlowContext, payment_id: int) -> dict:
    p = ctx.session.get(SitePayment, payment_id)
    if p is None:
        raise NotFound(f"no payment {payment_id}")
    return {"id": p.id, "user_id": p.user_id, "provider": p.provider, "status": p.status,
            "amount": p.amount, "received": p.received, "reversed": p.reversed,
            "currency": p.currency}


def get_user(ctx: FlowContext, user_id: int, *, lock: bool = False) -> SiteUser:
    # populate_existing: the ledger moves balances with plain UPDATEs
    stmt = select(SiteUser).where(SiteUser.id == user_id).execution_options(
        populate_existing=True)
    user = ctx.session.scalars(stmt.with_for_update() if lock else stmt).first()
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def user_snapshot(ctx: FlowContext, user_id: int) -> dict:
    u = get_user(ctx, user_id)
    return {"id": u.id, "email": u.email, "role": u.role, "status": u.status,
            "two_factor": u.totp_enabled_at is not None, "balance": u.balance,
            "currency": u.currency}


def search_users(ctx: FlowContext, query: str, limit: int = 50) -> list[UserRow]:
    """By id (``42`` or ``#42``) or by a part of the address."""
    _check_limit(limit)
    text = query.strip().lower()
    stmt = select(SiteUser).order_by(SiteUser.id).limit(limit)
    if re.fullmatch(r"#?[0-9]{1,18}", text):
        stmt = stmt.where(or_(SiteUser.id == int(text.lstrip("#")),
                              SiteUser.email.contains(text, autoescape=True)))
    elif text:
        stmt = stmt.where(SiteUser.email.contains(text, autoescape=True))
    return [UserRow.of(u) for u in ctx.session.scalars(stmt)]


def user_domains(ctx: FlowContext, user_id: int) -> list[str]:
    return list(ctx.session.scalars(select(SiteDomain.name).where(
        SiteDomain.user_id == user_id).order_by(SiteDomain.name)))


def holder_of(ctx: FlowContext, name: str) -> SiteUser | None:
    """The site user holding a name, if the house registrar sponsors it for one."""
    return ctx.session.scalars(select(SiteUser).join(
        SiteDomain, SiteDomain.user_id == SiteUser.id).where(SiteDomain.name == name)).first()


def orders(ctx: FlowContext, *, user_id: int | None = None, status: str | None = None,
           limit: int = 100) -> list[SiteOrder]:
    _check_limit(limit)
    stmt = select(SiteOrder).order_by(SiteOrder.id.desc()).limit(limit)
    if user_id is not None:
        stmt = stmt.where(SiteOrder.user_id == user_id)
    if status:
        stmt = stmt.where(SiteOrder.status == status)
    return list(ctx.session.scalars(stmt))


def mails(ctx: FlowContext, *, user_id: int | None = None, recipient: str | None = None,
          limit: int = 100) -> list[MailRow]:
    """The messages queued, newest first (their delivery: the mail consumer's outbox)."""
    _check_limit(limit)
    stmt = select(SiteMail).order_by(SiteMail.id.desc()).limit(limit)
    if user_id is not None:
        stmt = stmt.where(SiteMail.user_id == user_id)
    if recipient:
        stmt = stmt.where(SiteMail.recipient == recipient.strip().lower())
    return [MailRow(m.id, m.at, m.user_id, m.recipient, m.template)
            for m in ctx.session.scalars(stmt)]


def set_locked(ctx: FlowContext, user_id: int, locked: bool, by: Operator) -> None:
    """A locked account cannot log in, and its sessions end; unlocking lets it back in."""
    user = get_user(ctx, user_id, lock=True)
    if user.status == "closed":
        raise Conflict("the account is closed")
    if user.id == by.user_id:
        raise Conflict("operators cannot lock their own account")
    wanted = "locked" if locked else "active"
    if user.status == wanted:
        raise Conflict(f"the account is {wanted} already")
    user.status = wanted
    if locked:
        sessions.close_all(ctx.session, user.id)


def reset_two_factor(ctx: FlowContext, user_id: int) -> None:
    """For a user who lost their device (identity checked out of band): TOTP off, the
    recovery codes void, their sessions ended, the user told by mail."""
    user = get_user(ctx, user_id, lock=True)
    if user.totp_enabled_at is None and not user.totp_secret:
        raise Conflict("two-factor authentication is off for this account")
    two_factor.turn_off(ctx, user)
    sessions.close_all(ctx.session, user.id)


def set_role(ctx: FlowContext, user_id: int, role: object, by: Operator | None) -> None:
    """``by`` None: the installation's own command line (the first superuser)."""
    if role not in USER_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(USER_ROLES)}", field="role")
    user = get_user(ctx, user_id, lock=True)
    if by is not None and user.id == by.user_id:
        raise Conflict("operators cannot change their own role")
    if user.status != "active":
        raise Conflict(f"the account is {user.status}")
    if user.role == role:
        raise Conflict(f"the account's role is {role} already")
    user.role = role
    sessions.close_all(ctx.session, user.id)  # the new rights start with a new login


def add_funds(ctx: FlowContext, user_id: int, amount: object, description: str) -> Money:
    if type(amount) is not int or amount <= 0:
        raise InvalidInput("the amount must be a positive number of minor units",
                           field="amount")
    user = get_user(ctx, user_id)
    if user.status != "active":
        raise Conflict(f"the account is {user.status}")
    entry = ledger.credit(ctx.session, user_id, amount, ctx.now, "payment", description)
    return Money(entry.balance_after, entry.currency)


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIST:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIST}", field="limit")
