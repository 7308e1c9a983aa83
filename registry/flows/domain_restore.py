"""Redemption grace period restore (RFC 3915): the request, then the report."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime

from .. import billing, history, lifecycle, outbox
from ..errors import ParameterPolicyError, StatusProhibitsOperation
from ..models import Domain
from ..periods import add_years
from ..values import Charge
from .context import FlowContext
from .fees import FeeAgreement, check_agreement, fee_of, price
from .lookup import get_domain, require_sponsor, sponsor_of


@dataclass(frozen=True)
class DomainRestoreRequest:
    name: str
    fee: FeeAgreement | None = None


@dataclass(frozen=True)
class DomainRestoreReport:
    name: str
    pre_data: str
    post_data: str
    deleted_at: datetime
    restored_at: datetime
    reason: str
    statements: tuple[str, ...]
    other: str | None = None


@dataclass(frozen=True)
class DomainRestored:
    name: str
    rgp_status: str  # "pendingRestore" while the report is awaited, else ""
    charge: Charge | None = None
    code: int = 1000


def domain_restore_request(ctx: FlowContext, cmd: DomainRestoreRequest) -> DomainRestored:
    """Charges the restore fee, plus a year's renewal when the domain has expired meanwhile."""
    domain = get_domain(ctx, cmd.name)
    require_sponsor(ctx, domain, f"domain {domain.name}")
    if domain.state != "redemption":
        raise StatusProhibitsOperation(f"domain {domain.name} is not in its redemption period")
    tld, sponsor = ctx.tld_of(domain), sponsor_of(ctx, domain)
    label = domain.name.split(".")[0]
    quotes = [price(ctx, tld, label, "restore", 1, sponsor.currency)]
    if domain.expires_at <= ctx.now:
        quotes.append(price(ctx, tld, label, "renew", 1, sponsor.currency))
    total = sum(q.amount for q in quotes)
    check_agreement(dataclasses.replace(quotes[0], amount=total), tld, cmd.fee)
    billing.debit(ctx, sponsor.id, total, "restore", domain.name,
                  f"restore {domain.name}" + (" with 1 year renewal" if len(quotes) > 1 else ""))
    if len(quotes) > 1:
        domain.expires_at = add_years(domain.expires_at, 1)
    charge = Charge(tuple(fee_of(q, tld) for q in quotes), sponsor.balance, sponsor.credit_limit)
    if tld.restore_report_required:
        domain.state = "pending_restore"
        domain.state_until = ctx.now + tld.period("pending_restore")
        history.record(ctx, domain)
        lifecycle.refresh_next_event(ctx, domain)
        return DomainRestored(domain.name, "pendingRestore", charge)
    _restore(ctx, domain, reason="restored without a report (TLD policy)")
    return DomainRestored(domain.name, "", charge)


def domain_restore_report(ctx: FlowContext, cmd: DomainRestoreReport) -> DomainRestored:
    domain = get_domain(ctx, cmd.name)
    require_sponsor(ctx, domain, f"domain {domain.name}")
    if domain.state != "pending_restore":
        raise StatusProhibitsOperation(
            f"domain {domain.name} is not pendingRestore: send a restore request first")
    if cmd.restored_at < cmd.deleted_at:
        raise ParameterPolicyError("resTime is before delTime")
    report = {"preData": cmd.pre_data, "postData": cmd.post_data,
              "delTime": cmd.deleted_at.isoformat(), "resTime": cmd.restored_at.isoformat(),
              "resReason": cmd.reason, "statements": list(cmd.statements), "other": cmd.other}
    _restore(ctx, domain, reason=json.dumps(report))
    return DomainRestored(domain.name, "")


def _restore(ctx: FlowContext, domain: Domain, reason: str) -> None:
    domain.state, domain.state_until, domain.deleted_at = "active", None, None
    domain.updated_at, domain.updater_id = ctx.now, ctx.actor.registrar_id
    history.record(ctx, domain, reason=reason)
    outbox.publish(ctx, ctx.tld_of(domain).name, domain.name)
    lifecycle.refresh_next_event(ctx, domain)

