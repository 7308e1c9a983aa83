"""Money moves only here, inside the command's transaction: debits, refunds and credits."""

from __future__ import annotations

from sqlalchemy import select, update

from .errors import BillingFailure
from .flows.context import FlowContext
from .models import LedgerEntry, Registrar
from .models.registrar import accounts
from .money import format_amount
from .poll import enqueue


def debit(ctx: FlowContext, registrar_id: int, amount: int, kind: str, object_name: str,
          description: str, *, force: bool = False) -> LedgerEntry:
    """Take ``amount`` if balance plus credit covers it (one conditional UPDATE, race-free).

    ``force`` skips the credit check for charges the registry must make regardless, such as
    auto-renewals; the registrar then sits below its limit until it tops up. The UPDATE
    locks the payer's account row until the transaction ends, and every billed command of
    that registrar queues on it: a flow debits as late as it can.
    """
    stmt = update(accounts).where(accounts.c.registrar_id == registrar_id)
    if not force:
        stmt = stmt.where(accounts.c.balance + accounts.c.credit_limit >= amount)
    stmt = stmt.values(balance=accounts.c.balance - amount)
    if ctx.session.execute(stmt).rowcount != 1:
        registrar = _fresh(ctx, registrar_id)
        raise BillingFailure(
            f"insufficient funds: {kind} costs {format_amount(amount, registrar.currency)} "
            f"{registrar.currency}, available "
            f"{format_amount(registrar.available, registrar.currency)}")
    return _record(ctx, registrar_id, -amount, kind, object_name, description)


def credit(ctx: FlowContext, registrar_id: int, amount: int, kind: str, object_name: str | None,
           description: str) -> LedgerEntry:
    """Give money back (refunds) or add it (payments, operator credit)."""
    ctx.session.execute(update(accounts).where(accounts.c.registrar_id == registrar_id)
                        .values(balance=accounts.c.balance + amount))
    return _record(ctx, registrar_id, amount, kind, object_name, description)


def _record(ctx: FlowContext, registrar_id: int, amount: int, kind: str,
            object_name: str | None, description: str) -> LedgerEntry:
    registrar = _fresh(ctx, registrar_id)  # the balance just moved, read back
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
