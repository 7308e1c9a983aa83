"""Secrets handed to users (mailed links, session cookies, API keys, recovery codes): random,
stored as a SHA-256 only, single-use and expiring where they are links.

SHA-256, not a slow hash: the tokens carry 256 bits of randomness, so nothing can be
guessed from the digest, and a lookup by digest is one index probe.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .errors import InvalidInput
from .models import SiteToken


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(session: Session, user_id: int, purpose: str, now: datetime,
          lifetime: timedelta | None, data: dict | None = None, token: str | None = None) -> str:
    """A new token for ``purpose``; only its digest is kept."""
    token = token or new_secret()
    session.add(SiteToken(user_id=user_id, purpose=purpose, token_hash=digest(token),
                          created_at=now, expires_at=now + lifetime if lifetime else None,
                          used_at=None, data=data or {}))
    session.flush()
    return token


def redeem(session: Session, purpose: str, token: str, now: datetime,
           user_id: int | None = None) -> SiteToken:
    """Use a token once: a conditional UPDATE, so two racing uses cannot both succeed."""
    if not isinstance(token, str) or not 20 <= len(token) <= 200:
        raise InvalidInput("this link or code is not valid", field="token")
    row = session.scalars(select(SiteToken).where(
        SiteToken.token_hash == digest(token), SiteToken.purpose == purpose)).first()
    if row is None or (user_id is not None and row.user_id != user_id):
        raise InvalidInput("this link or code is not valid", field="token")
    if row.used_at is not None:
        raise InvalidInput("this link or code was used already", field="token")
    if row.expires_at is not None and row.expires_at <= now:
        raise InvalidInput("this link or code has expired: ask for a new one", field="token")
    done = session.execute(update(SiteToken).where(
        SiteToken.id == row.id, SiteToken.used_at.is_(None)).values(used_at=now)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise InvalidInput("this link or code was used already", field="token")
    return row


def revoke(session: Session, user_id: int, purpose: str, now: datetime) -> None:
    """Every unused token of ``purpose`` for the user stops working."""
    session.execute(update(SiteToken).where(
        SiteToken.user_id == user_id, SiteToken.purpose == purpose,
        SiteToken.used_at.is_(None)).values(used_at=now)
        .execution_options(synchronize_session=False))
