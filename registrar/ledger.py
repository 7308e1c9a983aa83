"""Users' money, in minor units, moved only inside the caller's transaction: every change of
a balance is a ledger row with the balance after it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from registry.money import format_amount

from .errors import InsufficientFunds
from .models import SiteLedgerEntry, SiteUser


def debit(session: Session, user_id: int, amount: int, now: datetime, kind: str,
          description: str, order_id: int | None = None) -> SiteLedgerEntry:
    """Take ``amount`` if the balance covers it: one conditional UPDATE, so two racing
    orders cannot both spend the same money."""
    done = session.execute(update(SiteUser).where(
        SiteUser.id == user_id, SiteUser.balance >= amount)
        .values(balance=SiteUser.balance - amount).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        user = _fresh(session, user_id)
        raise InsufficientFunds(
            f"this costs {format_amount(amount, user.currency)} {user.currency}; your balance "
            f"is {format_amount(user.balance, user.currency)} {user.currency}",
            shortfall=amount - max(user.balance, 0))
    return _record(session, user_id, -amount, now, kind, description, order_id)


def credit(session: Session, user_id: int, amount: int, now: datetime, kind: str,
           description: str, order_id: int | None = None) -> SiteLedgerEntry:
    session.execute(update(SiteUser).where(SiteUser.id == user_id)
                    .values(balance=SiteUser.balance + amount)
                    .execution_options(synchronize_session=False))
    return _record(session, user_id, amount, now, kind, description, order_id)


def take_back(session: Session, user_id: int, amount: int, now: datetime, kind: str,
              description: str) -> SiteLedgerEntry:
    """Take back money a payment brought (a refund, a dispute), whatever the balance: it
    may go negative, which locks the account for new orders (orders.place)."""
    return credit(session, user_id, -amount, now, kind, description)


def _record(session: Session, user_id: int, amount: int, now: datetime, kind: str,
            description: str, order_id: int | None) -> SiteLedgerEntry:
    user = _fresh(session, user_id)
    entry = SiteLedgerEntry(user_id=user_id, at=now, kind=kind, amount=amount,
                            balance_after=user.balance, currency=user.currency,
                            order_id=order_id, description=description[:255])
    session.add(entry)
    session.flush()
    return entry


def _fresh(session: Session, user_id: int) -> SiteUser:
    return session.execute(select(SiteUser).where(SiteUser.id == user_id)
                           .execution_options(populate_existing=True)).scalar_one()


def entries(session: Session, user_id: int, limit: int = 100,
            before: int | None = None) -> list[SiteLedgerEntry]:
    stmt = select(SiteLedgerEntry).where(SiteLedgerEntry.user_id == user_id)
    if before is not None:
        stmt = stmt.where(SiteLedgerEntry.id < before)
    return list(session.scalars(stmt.order_by(SiteLedgerEntry.id.desc()).limit(limit)))
