"""Money moves only here, inside the command's transaction: debits, refunds and credits."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import bindparam, insert, literal_column, select, update
from sqlalchemy.orm.attributes import set_committed_value

from . import commit
from .driver_statements import DriverInsert, DriverStatement, holds_writes, run_compound
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

# Where writes are held back (MariaDB, registry.driver_statements): the debit, its ledger
# row with the balance it left and the account read back, as one compound statement after
# the command's held-back writes. From the lock to COMMIT, one round trip besides COMMIT's.
_LEDGER_GIVEN = [c for c in LedgerEntry.__table__.c if c.key not in (
    "id", "balance_after", "currency")]
_LEDGER_FROM_ACCOUNT = DriverStatement(insert(LedgerEntry.__table__).from_select(
    [c.key for c in _LEDGER_GIVEN] + ["balance_after", "currency"],
    select(*(bindparam(c.key, type_=c.type) for c in _LEDGER_GIVEN), accounts.c.balance,
           registrars.c.currency)
    .join_from(accounts, registrars).where(accounts.c.registrar_id == bindparam("id"))),
    writes=True)
_DEBITED_ACCOUNT = DriverStatement(
    select(literal_column("debited"), *_ACCOUNT.statement.selected_columns)
    .join_from(accounts, registrars).where(accounts.c.registrar_id == bindparam("id")),
    writes=False)


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
    take = _FORCED_DEBIT if force else _DEBIT
    connection = ctx.session.connection()
    if holds_writes(connection.dialect):
        entry = _LEDGER_FROM_ACCOUNT.literal(connection, _entry(
            ctx, registrar_id, -amount, kind, object_name, description) | {"id": registrar_id})
        # ROW_COUNT() counts the rows the UPDATE found, as rowcount does (FOUND_ROWS)
        (debited, *money), = run_compound(ctx.session, (
            take.literal(connection, {"id": registrar_id, "amount": amount}),
            "SET debited = ROW_COUNT()",
            f"IF debited = 1 THEN {entry}; END IF",
            _DEBITED_ACCOUNT.literal(connection, {"id": registrar_id})),
            "DECLARE debited INT; ")
        account = _as_account(registrar_id, money)
        if debited == 1:
            return _moved(ctx, -amount, account)
    elif take.rowcount(ctx.session, {"id": registrar_id, "amount": amount}) == 1:
        return _record(ctx, registrar_id, -amount, kind, object_name, description)
    else:
        account = _account(ctx, registrar_id)
    raise BillingFailure(
        f"insufficient funds: {kind} costs {format_amount(amount, account.currency)} "
        f"{account.currency}, available {format_amount(account.available, account.currency)}")


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
    _LEDGER.add(ctx.session, _entry(ctx, registrar_id, amount, kind, object_name, description)
                | {"balance_after": account.balance, "currency": account.currency})
    return _moved(ctx, amount, account)


def _entry(ctx: FlowContext, registrar_id: int, amount: int, kind: str,
           object_name: str | None, description: str) -> dict:
    """A ledger row but for what the account says (its balance after, its currency)."""
    return {"registrar_id": registrar_id, "at": ctx.now, "kind": kind, "amount": amount,
            "object_name": object_name, "svtrid": ctx.trid.svtrid or None,
            "description": description}


def _moved(ctx: FlowContext, amount: int, account: Account) -> Movement:
    account = _watch_low_balance(ctx, account)
    loaded = ctx.session.identity_map.get(ctx.session.identity_key(Registrar,
                                                                   account.registrar_id))
    if loaded is not None:  # a flow's Registrar shows what the statements above did
        for name in _MONEY:
            set_committed_value(loaded, name, getattr(account, name))
    return Movement(amount, account)


def _account(ctx: FlowContext, registrar_id: int) -> Account:
    money, = _ACCOUNT.rows(ctx.session, {"id": registrar_id})
    return _as_account(registrar_id, money)


def _as_account(registrar_id: int, money) -> Account:
    balance, credit_limit, threshold, notified, currency = money
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
