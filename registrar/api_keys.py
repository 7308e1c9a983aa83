"""Users' API keys for programmatic use: scoped, revocable, shown once, stored as SHA-256.

A key looks like ``pyrar_<8 characters>_<secret>``: the first part is stored as it is so a
user can tell keys apart in a list; the whole key's digest is what authenticates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from registry.flows.context import FlowContext

from . import mail
from .errors import Conflict, InvalidInput, NotFound
from .models import SiteApiKey, SiteUser
from .tokens import digest, new_secret
from .views import Principal

# read: every GET; orders: buy and renew; domains: change the names held
SCOPES = ("read", "orders", "domains")
MAX_KEYS = 20
NAME = re.compile(r"^[\w .@-]{1,64}\Z")
KEY = re.compile(r"^pyrar_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}\Z")


@dataclass(frozen=True)
class ApiKeyView:
    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool

    @classmethod
    def of(cls, k: SiteApiKey) -> ApiKeyView:
        return cls(k.id, k.name, k.prefix, tuple(k.scopes), k.created_at, k.last_used_at,
                   k.revoked_at is not None)


def create(ctx: FlowContext, user: SiteUser, name: object, scopes: object
           ) -> tuple[str, ApiKeyView]:
    if not isinstance(name, str) or not NAME.match(name.strip()):
        raise InvalidInput("name the key (1 to 64 letters, digits, spaces, . @ _ -)",
                           field="name")
    if not isinstance(scopes, list) or not scopes or not all(
            isinstance(s, str) and s in SCOPES for s in scopes):
        raise InvalidInput(f"scopes is a list of {', '.join(SCOPES)}", field="scopes")
    live = ctx.session.scalar(select(func.count()).select_from(SiteApiKey).where(
        SiteApiKey.user_id == user.id, SiteApiKey.revoked_at.is_(None)))
    if live >= MAX_KEYS:
        raise Conflict(f"at most {MAX_KEYS} keys: revoke one first")
    prefix = new_secret(12).replace("-", "").replace("_", "")[:8].ljust(8, "x")
    key = f"pyrar_{prefix}_{new_secret()}"
    row = SiteApiKey(user_id=user.id, name=name.strip(), key_hash=digest(key), prefix=prefix,
                     scopes=sorted(set(scopes)), created_at=ctx.now, last_used_at=None,
                     revoked_at=None)
    ctx.session.add(row)
    ctx.session.flush()
    mail.send(ctx, user, "api_key_created", name=row.name, prefix=f"pyrar_{prefix}",
              scopes=row.scopes)
    return key, ApiKeyView.of(row)


def listing(ctx: FlowContext, user_id: int) -> list[ApiKeyView]:
    return [ApiKeyView.of(k) for k in ctx.session.scalars(
        select(SiteApiKey).where(SiteApiKey.user_id == user_id).order_by(SiteApiKey.id))]


def revoke(ctx: FlowContext, user_id: int, key_id: int) -> None:
    row = ctx.session.get(SiteApiKey, key_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"no API key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = ctx.now


def principal(ctx: FlowContext, key: str) -> Principal | None:
    """The user behind a live key, limited to its scopes; its use noted (once a minute)."""
    if not KEY.match(key):
        return None
    found = ctx.session.execute(select(SiteApiKey, SiteUser).join(
        SiteUser, SiteUser.id == SiteApiKey.user_id).where(
        SiteApiKey.key_hash == digest(key))).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or user.status != "active":
        return None
    if row.last_used_at is None or row.last_used_at < ctx.now - timedelta(minutes=1):
        row.last_used_at = ctx.now
    return Principal(user.id, user.email, user.role, user.email_verified_at is not None,
                     None, False, tuple(row.scopes))
