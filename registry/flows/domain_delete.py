"""domain:delete (RFC 5731 3.2.2, RFC 3915): gone at once in add grace, else to redemption."""

from __future__ import annotations

from dataclasses import dataclass

from .. import billing, history, lifecycle, outbox
from ..errors import AssociationProhibitsOperation
from ..models import Domain
from ..periods import add_years
from ..values import Charge, Fee
from .context import FlowContext
from .lookup import (
    get_domain,
    refuse_pending_delete,
    refuse_statuses,
    require_sponsor,
    sponsor_of,
)
from .pending import refuse_pending_transfer

DELETE_PROHIBITED = ("clientDeleteProhibited", "serverDeleteProhibited")


@dataclass(frozen=True)
class DomainDelete:
    name: str


@dataclass(frozen=True)
class DomainDeleted:
    name: str
    refund: Charge  # fee-1.0 delData reports credits as negative fees
    code: int = 1000  # 1001 when the name goes to redemption rather than away


def domain_delete(ctx: FlowContext, cmd: DomainDelete) -> DomainDeleted:
    domain = get_domain(ctx, cmd.name)
    what = f"domain {domain.name}"
    require_sponsor(ctx, domain, what)
    refuse_pending_delete(domain)
    refuse_statuses(domain.statuses, DELETE_PROHIBITED, what, "delete")
    refuse_pending_transfer(ctx, "domain", domain)
    if domain.subordinate_hosts:
        raise AssociationProhibitsOperation(
            f"{what} has subordinate hosts ({', '.join(h.name for h in domain.subordinate_hosts)}"
            "): delete or rename them first")
    in_add_grace = any(g.kind == "add" and g.ends_at > ctx.now for g in domain.grace_periods)
    refunds = _refund_grace_periods(ctx, domain)
    sponsor = sponsor_of(ctx, domain)
    charge = Charge(tuple(Fee(-r, sponsor.currency, "refund") for r in refunds),
                    sponsor.balance, sponsor.credit_limit)
    outbox.publish(ctx, ctx.tld_of(domain).name, domain.name)
    if in_add_grace:
        history.record(ctx, domain, deleted=True)
        ctx.session.delete(domain)
        return DomainDeleted(domain.name, charge)
    domain.state, domain.deleted_at = "redemption", ctx.now
    domain.state_until = ctx.now + ctx.tld_of(domain).period("redemption")
    domain.updated_at, domain.updater_id = ctx.now, ctx.actor.registrar_id
    history.record(ctx, domain)
    lifecycle.refresh_next_event(ctx, domain)
    return DomainDeleted(domain.name, charge, 1001)


def _refund_grace_periods(ctx: FlowContext, domain: Domain) -> list[int]:
    """Every open grace period is refunded and the years it paid for come off the expiry."""
    refunds = []
    for grace in list(domain.grace_periods):
        if grace.ends_at > ctx.now:
            if grace.amount:
                billing.credit(ctx, grace.registrar_id, grace.amount, "refund", domain.name,
                               f"{grace.kind} grace refund: {domain.name} deleted")
                refunds.append(grace.amount)
            domain.expires_at = add_years(domain.expires_at, -grace.years)
        domain.grace_periods.remove(grace)
    return refunds
