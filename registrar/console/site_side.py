"""The console's registrar side (the site's users, their orders and mail), the audit log
and the quick search."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from registry import audit
from registry.admin import domains
from registry.errors import EppError
from registry.flows.context import Actor, FlowContext
from registry.models import Registrar, Tld

from .. import operators, orders, upstream_status
from ..accounts import find_user, normalize_email
from ..errors import InvalidInput, NotFound
from ..ledger import entries as user_ledger
from ..models import SiteUpstream
from ..payments import rules as payments_rules
from ..views import LedgerView, OrderView, Principal
from .base import ConsoleBase, site_error
from .values import text


@dataclass(frozen=True)
class Hit:
    """A quick-search result: what it is, its key for a link, and what to show."""

    kind: str  # tld, registrar, domain, user, order, upstream
    key: str
    label: str


class SiteSide(ConsoleBase):
    # -- the site's users, orders, mail -----------------------------------------------

    def users(self, who: Principal, query: str) -> list[operators.UserRow]:
        return self._read(who, lambda ctx: operators.search_users(ctx, query))

    def user(self, who: Principal, user_id: int) -> dict:
        def work(ctx):
            user = operators.get_user(ctx, user_id)
            return {"user": operators.UserRow.of(user),
                    "domains": operators.user_domains(ctx, user_id),
                    "orders": [_order(ctx, o) for o in operators.orders(ctx, user_id=user_id,
                                                                        limit=20)],
                    "ledger": [LedgerView.of(e) for e in user_ledger(ctx.session, user_id,
                                                                      20)],
                    "mails": operators.mails(ctx, user_id=user_id, limit=20),
                    "payments": operators.payments(ctx, user_id=user_id, limit=20),
                    "audit": audit.entries(ctx, object_type="user", object_name=str(user_id),
                                           limit=20)}
        return self._read(who, work)

    def lock_user(self, who: Principal, user_id: int, locked: object, reason: object = ""
                  ) -> operators.UserRow:
        if not isinstance(locked, bool):
            raise InvalidInput("locked must be true or false", field="locked")
        return self._user_change(who, "operator", "user.lock" if locked else "user.unlock",
                                 user_id, lambda ctx, op: operators.set_locked(
                                     ctx, user_id, locked, op), reason)

    def reset_two_factor(self, who: Principal, user_id: int, reason: object
                         ) -> operators.UserRow:
        return self._user_change(who, "operator", "user.2fa_reset", user_id,
                                 lambda ctx, op: operators.reset_two_factor(ctx, user_id),
                                 reason)

    def set_role(self, who: Principal, user_id: int, role: object, reason: object = ""
                 ) -> operators.UserRow:
        return self._user_change(who, "superuser", "user.role", user_id,
                                 lambda ctx, op: operators.set_role(ctx, user_id, role, op),
                                 reason)

    def grant_role(self, email: object, role: object) -> operators.UserRow:
        """From the command line (``pyrar web operator``), which needs no operator: how an
        installation gets its first superuser. The account must exist (registered on the
        site); the audit log names the command line."""
        address = normalize_email(email)

        def work(ctx):
            user = find_user(ctx, address)
            if user is None:
                raise NotFound(f"no account {address}: register it on the site first")
            before = operators.user_snapshot(ctx, user.id)
            operators.set_role(ctx, user.id, role, None)
            ctx.session.flush()
            audit.record(ctx, "user.role", "user", str(user.id), before,
                         operators.user_snapshot(ctx, user.id), reason="command line")
            return operators.UserRow.of(operators.get_user(ctx, user.id))
        try:
            return self.registry.run(work, Actor.operator("cli"), "user.role")
        except EppError as e:
            raise site_error(e) from None

    def add_funds(self, who: Principal, user_id: int, amount: object, reason: object
                  ) -> operators.UserRow:
        reason = text(reason or "credit by an operator", "description")[:200]
        return self._user_change(who, "operator", "user.funds", user_id,
                                 lambda ctx, op: operators.add_funds(ctx, user_id, amount,
                                                                     reason), reason)

    def _user_change(self, who: Principal, need: str, action: str, user_id: int,
                     work: Callable[[FlowContext, Any], Any], reason: object
                     ) -> operators.UserRow:
        reason = text(reason or "", "reason", empty=True)

        def in_tx(ctx, op):
            work(ctx, op)
            return operators.UserRow.of(operators.get_user(ctx, user_id))
        return self._change(who, need, action, "user", str(user_id),
                            lambda ctx: operators.user_snapshot(ctx, user_id), in_tx, reason)

    def payments(self, who: Principal, user_id: int | None, status: str | None
                 ) -> list[operators.PaymentRow]:
        return self._read(who, lambda ctx: operators.payments(ctx, user_id=user_id,
                                                              status=status))

    def refund_payment(self, who: Principal, payment_id: int, amount: object,
                       reason: object) -> operators.PaymentRow:
        """Ask the provider to refund (all that is left, or ``amount``); the account is
        debited when the provider's verified refund event comes (registrar/payments/)."""
        reason = text(reason, "reason")
        if amount is not None and (type(amount) is not int or amount <= 0):
            raise InvalidInput("the amount must be a positive number of minor units",
                               field="amount")

        def work(ctx, op):
            return operators.PaymentRow.of(payments_rules.request_refund(
                ctx, payment_id, amount, self.refundable))
        what = "all that is left" if amount is None else f"{amount} minor units"
        return self._change(who, "operator", "payment.refund", "payment", str(payment_id),
                            lambda ctx: operators.payment_snapshot(ctx, payment_id), work,
                            f"{reason} (refund of {what} asked of the provider)")

    def orders(self, who: Principal, user_id: int | None, status: str | None
               ) -> list[dict]:
        return self._read(who, lambda ctx: [_order(ctx, o) for o in operators.orders(
            ctx, user_id=user_id, status=status)])

    def order(self, who: Principal, order_id: int) -> dict:
        def work(ctx):
            order = ctx.session.get(orders.SiteOrder, order_id)
            if order is None:
                raise NotFound(f"no order {order_id}")
            return _order(ctx, order)
        return self._read(who, work)

    # -- the remote registries the site sells names of ----------------------------------

    def upstreams(self, who: Principal) -> list[upstream_status.UpstreamStatus]:
        return self._read(who, lambda ctx: upstream_status.statuses(ctx, self.default_markup))

    def upstream(self, who: Principal, name: str) -> dict:
        return self._read(who, lambda ctx: upstream_status.detail(ctx, name,
                                                                  self.default_markup))

    def mails(self, who: Principal, user_id: int | None, recipient: str | None
              ) -> list[operators.MailRow]:
        return self._read(who, lambda ctx: operators.mails(ctx, user_id=user_id,
                                                           recipient=recipient))

    # -- the audit log and the quick search -------------------------------------------

    def audit(self, who: Principal, *, object_type: str | None = None,
              object_name: str | None = None, actor: str | None = None,
              before_id: int | None = None) -> list[audit.AuditView]:
        return self._read(who, lambda ctx: audit.entries(
            ctx, object_type=object_type, object_name=object_name, actor=actor,
            before_id=before_id))

    def search(self, who: Principal, query: str) -> list[Hit]:
        """TLDs, registrars, names, users and orders matching ``query``, a few of each."""
        q = query.strip().lower()
        if not q:
            return []

        def work(ctx):
            s, like = ctx.session, {"autoescape": True}
            hits = [Hit("tld", t, f".{t}") for t in s.scalars(
                select(Tld.name).where(Tld.name.contains(q.lstrip("."), **like)).limit(5))]
            hits += [Hit("registrar", c, f"{c} ({n})") for c, n in s.execute(
                select(Registrar.clid, Registrar.name).where(or_(
                    Registrar.clid.contains(query.strip(), **like),
                    Registrar.name.contains(query.strip(), **like))).limit(5))]
            hits += [Hit("domain", d.name, f"{d.name} ({d.sponsor}, {d.state})")
                     for d in domains.search(ctx, name=q, limit=10)]
            hits += [Hit("user", str(u.id), f"{u.email} (#{u.id}, {u.role})")
                     for u in operators.search_users(ctx, q, 5)]
            hits += [Hit("upstream", u.name, f"upstream {u.name} ({', '.join(u.tlds)})")
                     for u in s.scalars(select(SiteUpstream).where(
                         SiteUpstream.name.contains(q, **like)).limit(5))]
            if q.lstrip("#").isdigit() and len(q) < 18:
                order = s.get(orders.SiteOrder, int(q.lstrip("#")))
                if order is not None:
                    hits.append(Hit("order", str(order.id),
                                    f"order #{order.id} ({order.status})"))
            return hits
        return self._read(who, work)


def _order(ctx: FlowContext, order: orders.SiteOrder) -> dict:
    return {"user_id": order.user_id, "order": OrderView.of(order, orders.items_of(ctx,
                                                                                   order.id))}
