"""What the core hands its callers: plain values, never ORM rows (they end with their
transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from registry.money import format_amount

from .models import SiteLedgerEntry, SiteOrder, SiteOrderItem, SiteUser
from .names import display


@dataclass(frozen=True)
class Principal:
    """Who a request comes from, as its session or API key says."""

    user_id: int
    email: str
    role: str
    verified: bool
    csrf: str | None  # None for API keys (no cookie, so no CSRF to defend against)
    needs_second_factor: bool = False
    scopes: tuple[str, ...] | None = None  # an API key's; None: a session, every scope

    def allows(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


@dataclass(frozen=True)
class Money:
    amount: int  # minor units
    currency: str

    @property
    def text(self) -> str:
        return format_amount(self.amount, self.currency)


@dataclass(frozen=True)
class UserView:
    id: int
    email: str
    verified: bool
    role: str
    balance: Money
    two_factor: bool
    mail_opt_outs: tuple[str, ...]
    created_at: datetime
    contact: dict | None  # the registrant details (private at the registry)

    @classmethod
    def of(cls, u: SiteUser) -> UserView:
        return cls(u.id, u.email, u.email_verified_at is not None, u.role,
                   Money(u.balance, u.currency), u.totp_enabled_at is not None,
                   tuple(u.mail_opt_outs or ()), u.created_at, u.contact)


@dataclass(frozen=True)
class OrderItemView:
    operation: str
    name: str
    unicode_name: str
    years: int
    price: Money
    status: str
    error: str | None


@dataclass(frozen=True)
class OrderView:
    id: int
    status: str
    total: Money
    refunded: Money
    created_at: datetime
    completed_at: datetime | None
    items: tuple[OrderItemView, ...]

    @classmethod
    def of(cls, o: SiteOrder, items: list[SiteOrderItem]) -> OrderView:
        return cls(o.id, o.status, Money(o.total, o.currency), Money(o.refunded, o.currency),
                   o.created_at, o.completed_at, tuple(
                       OrderItemView(i.operation, i.domain, display(i.domain), i.years,
                                     Money(i.price, o.currency), i.status, i.error)
                       for i in items))


@dataclass(frozen=True)
class LedgerView:
    id: int
    at: datetime
    kind: str
    amount: Money
    balance_after: Money
    description: str
    order_id: int | None

    @classmethod
    def of(cls, e: SiteLedgerEntry) -> LedgerView:
        return cls(e.id, e.at, e.kind, Money(e.amount, e.currency),
                   Money(e.balance_after, e.currency), e.description, e.order_id)
