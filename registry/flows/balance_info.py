"""The acting registrar's account: balance, credit limit, what it may still spend and its
low-balance threshold (what Verisign's balance-1.0 mapping answers over EPP)."""

from __future__ import annotations

from dataclasses import dataclass

from .context import FlowContext
from .lookup import acting_registrar


@dataclass(frozen=True)
class BalanceInfoQuery:
    """No parameters: a registrar asks about its own account only."""


@dataclass(frozen=True)
class BalanceInfo:
    currency: str
    balance: int  # minor units; negative when the registrar is living on credit
    credit_limit: int
    available: int  # balance + credit limit
    threshold: int  # the low-balance threshold (0 when none is set)
    code: int = 1000


def balance_info(ctx: FlowContext, cmd: BalanceInfoQuery) -> BalanceInfo:
    registrar = acting_registrar(ctx)
    return BalanceInfo(registrar.currency, registrar.balance, registrar.credit_limit,
                       registrar.available, registrar.low_balance_threshold or 0)
