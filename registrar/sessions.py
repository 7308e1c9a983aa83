"""Server-side sessions: the cookie carries a random token, the table its SHA-256 with the
session's CSRF token, its expiry and whether the second factor is still due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import SiteSession, SiteUser
from .tokens import digest, new_secret


@dataclass(frozen=True)
class NewSession:
    token: str  # for the cookie; never stored
    csrf: str
    expires_at: datetime
    needs_second_factor: bool


def open_session(session: Session, user_id: int, now: datetime, lifetime: timedelta, *,
                 needs_second_factor: bool = False) -> NewSession:
    token, csrf = new_secret(), new_secret()
    row = SiteSession(token_hash=digest(token), user_id=user_id, csrf_token=csrf,
                      created_at=now, last_seen_at=now, expires_at=now + lifetime,
                      needs_second_factor=needs_second_factor)
    session.add(row)
    session.flush()
    return NewSession(token, csrf, row.expires_at, needs_second_factor)


def find_session(session: Session, token: str | None, now: datetime
                 ) -> tuple[SiteSession, SiteUser] | None:
    """The live session behind a cookie and its active user, or None."""
    if not token or len(token) > 200:
        return None
    found = session.execute(select(SiteSession, SiteUser).join(
        SiteUser, SiteUser.id == SiteSession.user_id).where(
        SiteSession.token_hash == digest(token))).first()
    if found is None:
        return None
    row, user = found
    if row.expires_at <= now or user.status != "active":
        return None
    return row, user


def close_session(session: Session, token: str | None) -> None:
    if token and len(token) <= 200:
        session.execute(delete(SiteSession).where(SiteSession.token_hash == digest(token)))


def close_all(session: Session, user_id: int, keep: str | None = None) -> None:
    """Every session of the user ends (a password change or reset), but ``keep``."""
    stmt = delete(SiteSession).where(SiteSession.user_id == user_id)
    if keep:
        stmt = stmt.where(SiteSession.token_hash != digest(keep))
    session.execute(stmt)


def purge_expired(session: Session, now: datetime) -> int:
    return session.execute(delete(SiteSession).where(SiteSession.expires_at <= now)).rowcount
