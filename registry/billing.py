"""Money moves only here, inside the command's transaction: debits, refunds and credits."""

from __future__ import annotations

from sqlalchemy import select, update

from .errors import BillingFailure
from .flows.context import FlowContext
from .models import LedgerEntry, Registrar
from .money import format_amount
from .poll import enqueue


def debit(ctx: FlowContext, registrar_id: int, amount: int, kind: str, object_name: str,
          description: str, *, force: bool = False, locked: Registrar | None = None
          ) -> LedgerEntry:
    """Take ``amount`` if balance plus credit covers it (one conditional UPDATE, race-free).

    ``force`` skips the credit check for charges the registry must make regardless, such as
    auto-renewals; the registrar then sits below its limit until it tops up. ``locked`` is
    the payer as read under its row lock in this transaction (``acting_registrar(ctx,
    lock=True)``): nothing else can have moved its balance since, so the new balance is
    known without reading the row again.
    """
    stmt = update(Registrar).where(Registrar.id == registrar_id)
    if not force:
        stmt = stmt.where(Registrar.balance + Registrar.credit_limit >= amount)
    # The ORM applies the UPDATE to a loaded payer too: a locked one is then current.
    stmt = stmt.values(balance=Registrar.balance - amount).execution_options(
        synchronize_session="evaluate")
    if ctx.session.execute(stmt).rowcount != 1:
        registrar = _fresh(ctx, registrar_id)
        raise BillingFailure(
            f"insufficient funds: {kind} costs {format_amount(amount, registrar.currency)} "
            f"{registrar.currency}, available "
            f"{format_amount(registrar.available, registrar.currency)}")
    return _record(ctx, registrar_id, -amount, kind, object_name, description, locked)


def credit(ctx: FlowContext, registrar_id: int, amount: int, kind: str, object_name: str | None,
           description: str) -> LedgerEntry:
    """Give money back (refunds) or add it (payments, operator credit)."""
    ctx.session.execute(update(Registrar).where(Registrar.id == registrar_id)
                        .values(balance=Registrar.balance + amount))
    return _record(ctx, registrar_id, amount, kind, object_name, description)


def _record(ctx: FlowContext, registrar_id: int, amount: int, kind: str,
            object_name: str | None, description: str,
            locked: Registrar | None = None) -> LedgerEntry:
    registrar = locked if locked is not None else _fresh(ctx, registrar_id)
    entry = LedgerEntry(registrar_id=registrar_id, at=ctx.now, kind=kind, amount=amount,
                        balance_after=registrar.balance, currency=registrar.currency,
                        object_name=object_name, svtrid=ctx.trid.svtrid or None,
                        description=description)
    ctx.session.add(entry)
    _watch_low_balance(ctx, registrar)
    return entry


def _fresh(ctx: FlowContext, registrar_id: int) -> Registrar:
    return ctx.session.execute(select(Registrar).where(Registrar.id == registrar_id)
                               .execution_options(populate_existing=True)).scalar_one()


def _watch_low_balance(ctx: FlowContext, registrar: Registrar) -> None:
    """One poll message when available funds fall under the threshold; re-armed when topped up."""
    threshold = registrar.low_balance_threshold
    if threshold is None or not ctx.settings.low_balance_poll:
        return
    low = registrar.available < threshold
    if low and not registrar.low_balance_notified:
        registrar.low_balance_notified = True
        cur = registrar.currency
        enqueue(ctx, registrar.id, "low_balance",
                f"Low account balance: {format_amount(registrar.available, cur)} {cur} available",
                {"balance": registrar.balance, "credit_limit": registrar.credit_limit,
                 "available": registrar.available, "threshold": threshold, "currency": cur})
    elif not low and registrar.low_balance_notified:
        registrar.low_balance_notified = False
