"""The console's registry side: TLDs, prices, premium and reserved names, registrars and
their money, domains, zones, the outbox and poll queues; each change through
registry/admin/ or the registry's flows."""

from __future__ import annotations

from typing import Any

from registry import audit
from registry.admin import domains, events, registrars, tlds, zones
from registry.errors import EppError
from registry.views import snapshot

from .. import operators
from ..errors import InvalidInput
from ..views import Principal
from .base import ConsoleBase, Snapshot
from .values import mapping, names_list, text, whole


class RegistrySide(ConsoleBase):
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
            try:
                dns = self.tld_dns(key)
            except ValueError as e:
                raise InvalidInput(f"the TLD's DNS settings: {e}") from None
            if dns is not None:     # published at once, as 'pyrar tld add' does
                tlds.set_dns_settings(ctx, key, dns)
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

    def retry_events(self, who: Principal, ids: object) -> int:
        """Replay outbox rows by id (dead or backing off): due now, attempts reset."""
        if not isinstance(ids, list) or not ids:
            raise InvalidInput("ids must be a list of event ids", field="ids")
        wanted = [whole(i, "ids") for i in ids]
        return self._change(who, "operator", "events.retry", "outbox",
                            ",".join(map(str, wanted))[:253], lambda ctx: None,
                            lambda ctx, op: events.retry_events(ctx, wanted))

    def retry_dead(self, who: Principal, consumer: object = None) -> int:
        """Replay every dead letter (of one consumer)."""
        consumer = None if consumer in (None, "") else text(consumer, "consumer")
        return self._change(who, "operator", "events.retry_dead", "outbox", consumer or "*",
                            lambda ctx: None,
                            lambda ctx, op: events.retry_dead(ctx, consumer))

    def poll_queues(self, who: Principal) -> list[zones.PollQueue]:
        return self._read(who, zones.poll_queues)

    def poll_messages(self, who: Principal, clid: str, unread_only: bool
                      ) -> list[zones.PollView]:
        return self._read(who, lambda ctx: zones.poll_messages(ctx, clid,
                                                               unread_only=unread_only))


# -- snapshots for the audit log ----------------------------------------------------------

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
