"""The operators' console as its callers (the JSON API under /api/admin/) see it: one
method per thing an operator reads or does. Each checks the operator's role and second
factor in its own transaction, runs the core's function for the job (registry/admin/, the
registry's flows, the registrar's core), and records a change in the audit log with the
object before and after, in that same transaction: a refused change leaves nothing, not
even its audit row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import or_, select

from registry import audit
from registry.admin import domains, events, registrars, tlds, zones
from registry.db import ReadOnlyViolation
from registry.errors import BillingFailure, EppError, ObjectDoesNotExist
from registry.flows.context import Actor, FlowContext
from registry.models import Registrar, Tld
from registry.service import Registry
from registry.values import Trid
from registry.views import snapshot

from . import operators, orders
from .accounts import find_user, normalize_email
from .errors import Conflict, InvalidInput, NotFound, SiteError, from_registry
from .ledger import entries as user_ledger
from .views import LedgerView, OrderView, Principal

T = TypeVar("T")
Snapshot = Callable[[FlowContext], dict | None]


@dataclass(frozen=True)
class Hit:
    """A quick-search result: what it is, its key for a link, and what to show."""

    kind: str  # tld, registrar, domain, user, order
    key: str
    label: str


class OperatorConsole:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    # -- plumbing ---------------------------------------------------------------------

    def _change(self, who: Principal, need: str, action: str, object_type: str,
                object_name: str, snap: Snapshot, work: Callable[[FlowContext, Any], T],
                reason: str = "") -> T:
        """``work`` and its audit row in one transaction, as the operator."""
        def in_tx(ctx: FlowContext) -> T:
            op = operators.acting(ctx, who.user_id, need)
            before = _maybe(snap, ctx)
            result = work(ctx, op)
            ctx.session.flush()
            audit.record(ctx, action, object_type, object_name, before, _maybe(snap, ctx),
                         operator_id=op.user_id, reason=reason)
            return result
        try:
            return self.registry.run(in_tx, operators.actor_for(who.user_id, who.email),
                                     action)
        except EppError as e:
            raise _site_error(e) from None

    def _read(self, who: Principal, work: Callable[[FlowContext], T]) -> T:
        """``work`` on a read-only session once the operator is checked (in a transaction if
        it must write after all: a domain read settles its due lifecycle first)."""
        actor = operators.actor_for(who.user_id, who.email)

        def checked(ctx: FlowContext) -> T:
            operators.acting(ctx, who.user_id, "readonly")
            return work(ctx)

        def on(session):
            return checked(FlowContext(session, self.registry.clock.now(), actor, Trid(),
                                       self.registry.settings, "console_read",
                                       self.registry.policy))
        try:
            try:
                return self.registry.read(on)
            except ReadOnlyViolation:
                return self.registry.run(checked, actor, "console_read")
        except EppError as e:
            raise _site_error(e) from None

    def whoami(self, who: Principal) -> operators.Operator:
        return self._read(who, lambda ctx: operators.acting(ctx, who.user_id, "readonly"))

    # -- TLDs -------------------------------------------------------------------------

    def tlds(self, who: Principal) -> list[tlds.TldView]:
        return self._read(who, lambda ctx: [tlds.tld_view(ctx, n, reserved_limit=0)
                                            for n in tlds.tld_names(ctx)])

    def tld(self, who: Principal, name: str) -> tlds.TldView:
        return self._read(who, lambda ctx: tlds.tld_view(ctx, name))

    def add_tld(self, who: Principal, name: object, policy: object) -> tlds.TldView:
        name, policy = text(name, "name"), mapping(policy, "policy")
        key = tlds.tld_name(name) if _valid_tld(name) else name

        def work(ctx, op):
            tlds.add_tld(ctx, name, **policy)
            return tlds.tld_view(ctx, key)
        return self._change(who, "superuser", "tld.add", "tld", key, _tld_snap(key), work)

    def set_policy(self, who: Principal, name: str, policy: object) -> tlds.TldView:
        policy = mapping(policy, "policy")

        def work(ctx, op):
            tlds.set_policy(tlds.get_tld(ctx, name), policy)
            return tlds.tld_view(ctx, name)
        return self._change(who, "superuser", "tld.policy", "tld", name, _tld_snap(name), work)

    def set_price(self, who: Principal, name: str, operation: object, currency: object,
                  amount: object) -> tlds.TldView:
        operation, currency = text(operation, "operation"), text(currency, "currency")
        amount = whole(amount, "amount")

        def work(ctx, op):
            tlds.set_price(ctx, name, operation, currency, amount)
            return tlds.tld_view(ctx, name)
        return self._change(who, "superuser", "tld.price", "tld", name, _tld_snap(name), work)

    def add_premium(self, who: Principal, name: str, body: dict) -> tlds.PremiumView:
        pattern = text(body.get("pattern"), "pattern")
        prices = {op: whole(v, op) for op, v in mapping(body.get("prices"), "prices").items()
                  if v is not None}
        regex = body.get("regex") is True
        currency = text(body.get("currency", "USD"), "currency")
        class_name = text(body.get("class_name") or "premium", "class_name")

        def work(ctx, op):
            rule = tlds.add_premium(ctx, name, pattern, regex=regex, currency=currency,
                                    prices=prices, class_name=class_name)
            ctx.session.flush()
            return tlds.premium_rule(ctx, name, rule.id)
        return self._change(who, "superuser", "tld.premium.add", "premium",
                            f"{name}:{pattern}", _premium_snap(name, pattern=pattern), work)

    def remove_premium(self, who: Principal, name: str, rule_id: int) -> None:
        self._change(who, "superuser", "tld.premium.remove", "premium", f"{name}#{rule_id}",
                     _premium_snap(name, rule_id=rule_id),
                     lambda ctx, op: tlds.remove_premium(ctx, name, rule_id))

    def premium_test(self, who: Principal, name: str, domain: object,
                     currency: object) -> tlds.PremiumTest:
        return self._read(who, lambda ctx: tlds.premium_test(
            ctx, name, text(domain, "name"), text(currency or "USD", "currency")))

    def add_reserved(self, who: Principal, name: str, label: object, reason: object) -> None:
        label = text(label, "label")
        self._change(who, "superuser", "tld.reserve", "reserved", f"{label}.{name}",
                     _reserved_snap(name, label), lambda ctx, op: tlds.add_reserved(
                         ctx, name, label, text(reason or "Reserved", "reason")))

    def remove_reserved(self, who: Principal, name: str, label: str) -> None:
        self._change(who, "superuser", "tld.unreserve", "reserved", f"{label}.{name}",
                     _reserved_snap(name, label),
                     lambda ctx, op: tlds.remove_reserved(ctx, name, label))

    # -- registrars -------------------------------------------------------------------

    def registrars(self, who: Principal) -> list[registrars.RegistrarView]:
        return self._read(who, registrars.registrars_list)

    def registrar(self, who: Principal, clid: str) -> dict:
        def work(ctx):
            view = registrars.RegistrarView.of(registrars.get_registrar(ctx, clid))
            return {"registrar": view, "ledger": registrars.ledger(ctx, clid, 50),
                    "poll": zones.poll_messages(ctx, clid, limit=20),
                    "domains": domains.search(ctx, registrar=clid, limit=50)}
        return self._read(who, work)

    def registrar_ledger(self, who: Principal, clid: str, before_id: int | None
                         ) -> list[registrars.LedgerView]:
        return self._read(who, lambda ctx: registrars.ledger(ctx, clid, 100, before_id))

    def add_registrar(self, who: Principal, body: dict) -> registrars.RegistrarView:
        clid = text(body.get("clid"), "clid")
        fields = _registrar_fields(body)
        return self._change(
            who, "superuser", "registrar.add", "registrar", clid, _registrar_snap(clid),
            lambda ctx, op: registrars.RegistrarView.of(registrars.add_registrar(
                ctx, clid, password=text(body.get("password"), "password"),
                currency=text(body.get("currency", "USD"), "currency"), **fields)))

    def update_registrar(self, who: Principal, clid: str, body: dict
                         ) -> registrars.RegistrarView:
        fields = _registrar_fields(body)
        if "status" in body:
            fields["status"] = text(body["status"], "status")
        if not fields:
            raise InvalidInput("nothing to change")

        def work(ctx, op):
            registrar = registrars.get_registrar(ctx, clid, lock=True)
            return registrars.RegistrarView.of(registrars.update_registrar(ctx, registrar,
                                                                           **fields))
        return self._change(who, "superuser", "registrar.update", "registrar", clid,
                            _registrar_snap(clid), work)

    def credit_registrar(self, who: Principal, clid: str, amount: object, reason: object,
                         force: object = False) -> None:
        """Money in (a payment received) or, negative, out (a correction), with its reason
        on the registrar's ledger and in the audit log."""
        amount, reason = whole(amount, "amount", signed=True), text(reason, "reason")
        return self._change(
            who, "operator", "registrar.credit" if amount > 0 else "registrar.debit",
            "registrar", clid, _registrar_snap(clid),
            lambda ctx, op: registrars.credit_registrar(ctx, clid, amount, reason,
                                                        force=force is True), reason)

    # -- domains ----------------------------------------------------------------------

    def domains(self, who: Principal, *, name: str | None = None,
                registrar: str | None = None, status: str | None = None,
                user: str | None = None, limit: int = 100) -> list[domains.DomainRow]:
        def work(ctx):
            held = None
            if user:
                found = operators.search_users(ctx, user, 20)
                held = tuple(n for u in found for n in operators.user_domains(ctx, u.id))
            return domains.search(ctx, name=name, registrar=registrar, status=status,
                                  names=held, limit=limit)
        return self._read(who, work)

    def domain(self, who: Principal, name: str) -> dict:
        def work(ctx):
            info = domains.info(ctx, name)
            holder = operators.holder_of(ctx, info.name)
            return {"info": info, "history": domains.history(ctx, info.name, 50),
                    "holder": holder and operators.UserRow.of(holder),
                    "audit": audit.entries(ctx, object_type="domain", object_name=info.name,
                                           limit=50)}
        return self._read(who, work)

    def set_server_statuses(self, who: Principal, name: str, add: object, remove: object,
                            reason: object = "") -> dict:
        add, remove = names_list(add, "add"), names_list(remove, "remove")
        reason = text(reason or "", "reason", empty=True)
        self._change(who, "operator", "domain.statuses", "domain", name,
                     lambda ctx: domains.domain_snapshot(ctx, name),
                     lambda ctx, op: domains.set_server_statuses(ctx, name, add, remove),
                     reason)
        return self.domain(who, name)

    def restore(self, who: Principal, name: str, reason: object) -> dict:
        reason = text(reason, "reason")
        self._change(who, "operator", "domain.restore", "domain", name,
                     lambda ctx: domains.domain_snapshot(ctx, name),
                     lambda ctx, op: domains.restore(ctx, name, reason), reason)
        return self.domain(who, name)

    # -- zones, the outbox, poll queues -----------------------------------------------

    def zones(self, who: Principal) -> list[zones.ZoneView]:
        return self._read(who, zones.zones)

    def hosted_zones(self, who: Principal, problems_only: bool
                     ) -> list[zones.HostedZoneView]:
        return self._read(who, lambda ctx: zones.hosted_zones(ctx, problems_only=problems_only))

    def zone_ds(self, who: Principal, tld: str) -> list[zones.DelegationDs]:
        return self._read(who, lambda ctx: zones.delegation_ds(ctx, tld))

    def outbox(self, who: Principal, consumer: str | None, dead: bool) -> dict:
        return self._read(who, lambda ctx: {
            "stats": events.event_stats(ctx),
            "events": events.list_events(ctx, consumer=consumer, dead=dead, limit=200)})

    def retry_events(self, who: Principal, ids: object, consumer: str | None = None) -> int:
        """Replay rows by id, or (``ids`` "dead") every dead letter of a consumer."""
        if ids == "dead":
            return self._change(who, "operator", "events.retry", "outbox", consumer or "*",
                                lambda ctx: None,
                                lambda ctx, op: events.retry_dead(ctx, consumer))
        wanted = [whole(i, "ids") for i in (ids if isinstance(ids, list) else [None])]
        return self._change(who, "operator", "events.retry", "outbox",
                            ",".join(map(str, wanted))[:253], lambda ctx: None,
                            lambda ctx, op: events.retry_events(ctx, wanted))

    def poll_queues(self, who: Principal) -> list[zones.PollQueue]:
        return self._read(who, zones.poll_queues)

    def poll_messages(self, who: Principal, clid: str, unread_only: bool
                      ) -> list[zones.PollView]:
        return self._read(who, lambda ctx: zones.poll_messages(ctx, clid,
                                                               unread_only=unread_only))

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
            raise _site_error(e) from None

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
            if q.lstrip("#").isdigit() and len(q) < 18:
                order = s.get(orders.SiteOrder, int(q.lstrip("#")))
                if order is not None:
                    hits.append(Hit("order", str(order.id),
                                    f"order #{order.id} ({order.status})"))
            return hits
        return self._read(who, work)


# -- snapshots for the audit log ----------------------------------------------------------

def _maybe(snap: Snapshot, ctx: FlowContext) -> dict | None:
    """The object's JSON, or None while it does not exist."""
    try:
        return snap(ctx)
    except (ObjectDoesNotExist, NotFound):
        return None


def _tld_snap(name: str) -> Snapshot:
    return lambda ctx: tlds.tld_snapshot(ctx, name)


def _registrar_snap(clid: str) -> Snapshot:
    return lambda ctx: registrars.registrar_snapshot(ctx, clid)


def _reserved_snap(name: str, label: str) -> Snapshot:
    def snap(ctx):
        row = tlds.reserved_name(ctx, name, label)
        return None if row is None else {"label": row.label, "reason": row.reason}
    return snap


def _premium_snap(name: str, *, pattern: str | None = None,
                  rule_id: int | None = None) -> Snapshot:
    """One rule by id, or the TLD's rules of a pattern (a new one is among them after)."""
    def snap(ctx):
        if rule_id is not None:
            return snapshot(tlds.premium_rule(ctx, name, rule_id))
        rules = [r for r in tlds.tld_view(ctx, name, reserved_limit=0).premium
                 if r.pattern in (pattern, pattern.lower())]
        return {"rules": [snapshot(r) for r in rules]} if rules else None
    return snap


def _order(ctx: FlowContext, order: orders.SiteOrder) -> dict:
    return {"user_id": order.user_id, "order": OrderView.of(order, orders.items_of(ctx,
                                                                                   order.id))}


# -- input -----------------------------------------------------------------------------

def _site_error(error: EppError) -> SiteError:
    """A registry refusal for an operator: money refused is a conflict with its reason."""
    if isinstance(error, BillingFailure):
        return Conflict(error.reason)
    return from_registry(error)


def _valid_tld(name: str) -> bool:
    try:
        tlds.tld_name(name)
        return True
    except EppError:
        return False


def _registrar_fields(body: dict) -> dict:
    fields: dict[str, Any] = {}
    for key in ("name", "email", "url", "abuse_email", "abuse_phone"):
        if key in body:
            fields[key] = text(body[key], key, empty=True)
    for key in ("credit_limit", "low_balance_threshold"):
        if key in body:
            fields[key] = whole(body[key], key)
    for key in ("fingerprints", "networks"):
        if key in body:
            fields[key] = names_list(body[key], key)
    return fields


def text(value: object, field: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or not (empty or value.strip()):
        raise InvalidInput(f"{field} must be {'' if empty else 'non-empty '}text", field=field)
    if len(value) > 1000:
        raise InvalidInput(f"{field} is longer than 1000 characters", field=field)
    return value.strip()


def whole(value: object, field: str, *, signed: bool = False) -> int:
    if type(value) is not int or (value < 0 and not signed) or abs(value) >= 10**18:
        raise InvalidInput(f"{field} must be a whole number"
                           f"{'' if signed else ' of zero or more'}", field=field)
    return value


def mapping(value: object, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be an object", field=field)
    return value


def names_list(value: object, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{field} must be a list of text", field=field)
    return tuple(value)
