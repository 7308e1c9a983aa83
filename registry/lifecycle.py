"""Time-driven rules: auto-renew, transfer auto-approve, redemption, pendingDelete and purge.

``settle`` applies every event that is due, each stamped with its own instant, so the state
is right whenever a domain is touched (flows settle what they load) and ``pyrar lifecycle
run`` only has to visit what nobody touched. Both go through the same code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from . import billing, history, outbox, transfers, variant_bundles
from .errors import BillingFailure
from .flows.context import Actor, FlowContext
from .models import Contact, Domain, GracePeriod, Registrar, Transfer
from .models.transfer import PENDING
from .periods import add_years
from .poll import enqueue
from .pricing import quote
from .views import pending_transfer


@dataclass(frozen=True)
class Event:
    when: datetime
    apply: Callable[[FlowContext, Domain], Domain | None]


def settle(ctx: FlowContext, domain: Domain) -> Domain | None:
    """Apply all events due by ``ctx.now``; returns None when the domain was purged."""
    while (event := next_event(ctx, domain)) is not None and event.when <= ctx.now:
        at_event = dataclasses.replace(ctx, now=event.when, actor=Actor.system())
        if event.apply(at_event, domain) is None:
            return None
    domain.grace_periods[:] = [g for g in domain.grace_periods if g.ends_at > ctx.now]
    domain.next_event_at = event.when if event else None
    return domain


def next_event(ctx: FlowContext, domain: Domain) -> Event | None:
    candidates = []
    transfer = pending_transfer(ctx.session, "domain", domain.id)
    if transfer:
        candidates.append(Event(transfer.action_at, _auto_approve))
    if domain.state == "active":
        candidates.append(Event(domain.expires_at, _auto_renew))
    elif domain.state_until is not None:
        step = {"redemption": _end_redemption, "pending_restore": _lapse_restore,
                "pending_delete": _purge}[domain.state]
        candidates.append(Event(domain.state_until, step))
    return min(candidates, key=lambda e: e.when, default=None)


def refresh_next_event(ctx: FlowContext, domain: Domain) -> None:
    """Flows that change dates or state call this so the scheduler finds the domain in time."""
    event = next_event(ctx, domain)
    domain.next_event_at = event.when if event else None


def _auto_approve(ctx: FlowContext, domain: Domain) -> Domain:
    transfer = pending_transfer(ctx.session, "domain", domain.id)
    transfers.approve_domain_transfer(ctx, domain, transfer, "serverApproved",
                                      variants_moving(ctx, domain, transfer))
    return domain


def variants_moving(ctx: FlowContext, domain: Domain, transfer: Transfer) -> list[Domain]:
    """The names of ``domain``'s variant bundle that its approved ``transfer`` moves with
    it: those the losing registrar sponsors (registry/variant_bundles.py), locked, settled."""
    return settled(ctx, variant_bundles.members(ctx, domain, sponsor_id=transfer.losing_id,
                                                lock=True))


def settled(ctx: FlowContext, domains: list[Domain]) -> list[Domain]:
    """``domains`` (locked) as they stand at ``ctx.now``: each due one settled, the purged
    left out."""
    out = []
    for domain in domains:
        if domain.next_event_at is not None and domain.next_event_at <= ctx.now:
            domain = settle(ctx, domain)
        if domain is not None:
            out.append(domain)
    return out


def _auto_renew(ctx: FlowContext, domain: Domain) -> Domain:
    old_expiry = domain.expires_at
    label = domain.name.split(".")[0]
    sponsor = ctx.session.get(Registrar, domain.sponsor_id)
    try:
        book = ctx.policy.price_book(ctx.session, domain.tld_id)
        amount = quote(ctx.session, book, ctx.tld_of(domain), label, "renew", 1,
                       sponsor.currency).amount
    except BillingFailure:
        amount = 0  # no renew price configured for this currency: renewing free beats expiring
    if amount:
        billing.debit(ctx, sponsor.id, amount, "autorenew", domain.name,
                      f"auto-renewal of {domain.name} for 1 year", force=True)
    domain.expires_at = add_years(old_expiry, 1)
    domain.grace_periods.append(GracePeriod(
        kind="autorenew", registrar_id=sponsor.id, amount=amount, years=1,
        ends_at=old_expiry + ctx.tld_of(domain).period("autorenew_grace")))
    history.record(ctx, domain, command="autorenew")
    enqueue(ctx, sponsor.id, "autorenew",
            f"Domain {domain.name} auto-renewed until {domain.expires_at.date().isoformat()}",
            {"name": domain.name, "expires_at": domain.expires_at.isoformat()})
    return domain


def _end_redemption(ctx: FlowContext, domain: Domain) -> Domain:
    domain.state = "pending_delete"
    domain.state_until = ctx.now + ctx.tld_of(domain).period("pending_delete")
    history.record(ctx, domain, command="redemption_end")
    return domain


def _lapse_restore(ctx: FlowContext, domain: Domain) -> Domain:
    """No restore report in time: back to redemption for what is left of it (RFC 3915 3.2.3)."""
    domain.state = "redemption"
    redemption = ctx.tld_of(domain).period("redemption")
    domain.state_until = max(ctx.now, domain.deleted_at + redemption)
    history.record(ctx, domain, command="restore_lapsed")
    return domain


def _purge(ctx: FlowContext, domain: Domain) -> None:
    history.record(ctx, domain, command="purge", deleted=True)
    enqueue(ctx, domain.sponsor_id, "domain_deleted", f"Domain {domain.name} deleted",
            {"name": domain.name, "result": True, "svtrid": ctx.trid.svtrid,
             "cltrid": ctx.trid.cltrid, "at": ctx.now.isoformat()})
    outbox.publish(ctx, ctx.tld_of(domain).name, domain.name)
    ctx.session.delete(domain)
    ctx.session.flush()
    return None


def settle_contact(ctx: FlowContext, contact: Contact) -> Contact:
    """Contacts have one timed rule: a pending transfer auto-approves at its deadline."""
    transfer = pending_transfer(ctx.session, "contact", contact.id)
    if transfer and transfer.action_at <= ctx.now:
        at_event = dataclasses.replace(ctx, now=transfer.action_at, actor=Actor.system())
        transfers.approve_contact_transfer(at_event, contact, transfer, "serverApproved")
    return contact


def due_domains(ctx: FlowContext, limit: int) -> list[int]:
    return list(ctx.session.scalars(select(Domain.id).where(
        Domain.next_event_at <= ctx.now).order_by(Domain.next_event_at).limit(limit)))


def due_contact_transfers(ctx: FlowContext, limit: int) -> list[int]:
    return list(ctx.session.scalars(select(Transfer.object_id).where(
        Transfer.object_type == "contact", Transfer.status == PENDING,
        Transfer.action_at <= ctx.now).limit(limit)))


def prune_expired_grace(ctx: FlowContext) -> int:
    return ctx.session.execute(delete(GracePeriod).where(GracePeriod.ends_at <= ctx.now)).rowcount
