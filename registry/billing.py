"""Money moves only here, inside the command's transaction: debits, refunds and credits."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from . import commit
from .driver_statements import DriverInsert, DriverStatement
from .errors import BillingFailure
from .flows.context import FlowContext
from .models import LedgerEntry, Registrar
from .models.registrar import accounts, registrars
from .money import format_amount
from .poll import enqueue

# Core statements: a create's hot path, where the ORM's unit of work costs more than the
# statements themselves.
_ACCOUNT = DriverStatement(
    select(accounts.c.balance, accounts.c.credit_limit, accounts.c.low_balance_threshold,
           accounts.c.low_balance_notified, registrars.c.currency)
    .join_from(accounts, registrars).where(accounts.c.registrar_id == bindparam("id")),
    writes=False)
_TAKE = (update(accounts).where(accounts.c.registrar_id == bindparam("id"))
         .values(balance=accounts.c.balance - bindparam("amount")))
_FORCED_DEBIT = DriverStatement(_TAKE, writes=True)
_DEBIT = DriverStatement(_TAKE.where(
    accounts.c.balance + accounts.c.credit_limit >= bindparam("amount")), writes=True)
_LEDGER = DriverInsert(LedgerEntry.__table__)
_MONEY = ("balance", "credit_limit", "low_balance_threshold", "low_balance_notified")


@dataclass(frozen=True)
class Account:
    """A registrar's account as this transaction sees it."""

    registrar_id: int
    balance: int
    credit_limit: int
    low_balance_threshold: int | None
    low_balance_notified: bool
    currency: str

    @property
    def available(self) -> int:
        return self.balance + self.credit_limit


@dataclass(frozen=True)
class Movement:
    """A ledger row as written, and the account it left."""

    amount: int
    account: Account

    @property
    def balance_after(self) -> int:
        return self.account.balance


def debit(ctx: FlowContext, registrar_id: int, amount: int, kind: str, object_name: str,
          description: str, *, force: bool = False) -> Movement:
    """Take ``amount`` if balance plus credit covers it (one conditional UPDATE, race-free).

    ``force`` skips the credit check for charges the registry must make regardless, such as
    auto-renewals; the registrar then sits below its limit until it tops up. The UPDATE
    locks the payer's account row until the transaction ends, and every billed command of
    that registrar queues on it: a flow debits as late as it can.
    """
    # The command's changes and its commit receipt first: from the UPDATE to COMMIT the
    # payer's other commands wait, so only the debit's own statements come after it.
    commit.write_receipt(ctx.session)
    ctx.session.flush()
    debited = (_FORCED_DEBIT if force else _DEBIT).rowcount(
        ctx.session, {"id": registrar_id, "amount": amount})
    if debited != 1:
        account = _account(ctx, registrar_id)
        raise BillingFailure(
            f"insufficient funds: {kind} costs {format_amount(amount, account.currency)} "
            f"{account.currency}, available "
            f"{format_amount(account.available, account.currency)}")
    return _record(ctx, registrar_id, -amount, kind, object_name, description)


def credit(ctx: FlowContext, registrar_id: int, amount: int, kind: str, object_name: str | None,
           description: str) -> Movement:
    """Give money back (refunds) or add it (payments, operator credit)."""
    ctx.session.flush()
    ctx.session.execute(update(accounts).where(accounts.c.registrar_id == registrar_id)
                        .values(balance=accounts.c.balance + amount))
    return _record(ctx, registrar_id, amount, kind, object_name, description)


def _record(ctx: FlowContext, registrar_id: int, amount: int, kind: str,
            object_name: str | None, description: str) -> Movement:
    account = _account(ctx, registrar_id)  # the balance just moved, read back
    _LEDGER.run(ctx.session, {
        "registrar_id": registrar_id, "at": ctx.now, "kind": kind, "amount": amount,
        "balance_after": account.balance, "currency": account.currency,
        "object_name": object_name, "svtrid": ctx.trid.svtrid or None,
        "description": description})
    account = _watch_low_balance(ctx, account)
    loaded = ctx.session.identity_map.get(ctx.session.identity_key(Registrar, registrar_id))
    if loaded is not None:  # a flow's Registrar shows what the statements above did
        for name in _MONEY:
            set_committed_value(loaded, name, getattr(account, name))
    return Movement(amount, account)


def _account(ctx: FlowContext, registrar_id: int) -> Account:
    (balance, credit_limit, threshold, notified, currency), = _ACCOUNT.rows(
        ctx.session, {"id": registrar_id})
    return Account(registrar_id, balance, credit_limit, threshold, bool(notified), currency)


def _watch_low_balance(ctx: FlowContext, account: Account) -> Account:
    """One poll message when available funds fall under the threshold; re-armed when topped
    up. Returns the account as it is afterwards."""
    threshold = account.low_balance_threshold
    if threshold is None or not ctx.settings.low_balance_poll:
        return account
    low = account.available < threshold
    if low == account.low_balance_notified:
        return account
    ctx.session.execute(update(accounts).where(accounts.c.registrar_id == account.registrar_id)
                        .values(low_balance_notified=low))
    if low:
        cur = account.currency
        enqueue(ctx, account.registrar_id, "low_balance",
                f"Low account balance: {format_amount(account.available, cur)} {cur} available",
                {"balance": account.balance, "credit_limit": account.credit_limit,
                 "available": account.available, "threshold": threshold, "currency": cur})
    return replace(account, low_balance_notified=low)
