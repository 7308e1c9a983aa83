"""domain:renew (RFC 5731 3.2.3): extend a registration, billed, with a renew grace period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .. import billing, history, lifecycle
from ..errors import ParameterPolicyError, ParameterRangeError
from ..models import GracePeriod
from ..periods import add_years
from ..values import Charge, Period
from .context import FlowContext
from .domain_create import check_period
from .fees import FeeAgreement, check_agreement, fee_of, price
from .lookup import (
    get_domain,
    refuse_pending_delete,
    refuse_statuses,
    require_sponsor,
    sponsor_of,
)
from .pending import refuse_pending_transfer

RENEW_PROHIBITED = ("clientRenewProhibited", "serverRenewProhibited")


@dataclass(frozen=True)
class DomainRenew:
    name: str
    current_expiry: date
    period: Period = Period()
    fee: FeeAgreement | None = None


@dataclass(frozen=True)
class DomainRenewed:
    name: str
    expires_at: datetime
    charge: Charge
    code: int = 1000


def domain_renew(ctx: FlowContext, cmd: DomainRenew) -> DomainRenewed:
    domain = get_domain(ctx, cmd.name)
    require_sponsor(ctx, domain, f"domain {domain.name}")
    refuse_pending_delete(domain)
    refuse_statuses(domain.statuses, RENEW_PROHIBITED, f"domain {domain.name}", "renew")
    refuse_pending_transfer(ctx, "domain", domain)
    if domain.expires_at.date() != cmd.current_expiry:
        raise ParameterPolicyError(
            f"curExpDate {cmd.current_expiry} does not match the expiry "
            f"{domain.expires_at.date()}", value=cmd.current_expiry.isoformat())
    tld = ctx.tld_of(domain)
    years = check_period(tld, cmd.period)
    new_expiry = add_years(domain.expires_at, years)
    if new_expiry > add_years(ctx.now, tld.max_period):
        raise ParameterRangeError(
            f"renewing {years} year(s) would take the expiry beyond {tld.max_period} years "
            "from now")
    registrar = sponsor_of(ctx, domain)
    quote = price(ctx, tld, domain.name.split(".")[0], "renew", years, registrar.currency)
    check_agreement(quote, tld, cmd.fee)
    billing.debit(ctx, domain.sponsor_id, quote.amount, "renew", domain.name,
                  f"renew {domain.name} for {years} year(s)")
    domain.expires_at = new_expiry
    domain.updated_at, domain.updater_id = ctx.now, ctx.actor.registrar_id
    domain.grace_periods.append(GracePeriod(
        kind="renew", registrar_id=domain.sponsor_id, amount=quote.amount, years=years,
        ends_at=ctx.now + tld.period("renew_grace")))
    lifecycle.refresh_next_event(ctx, domain)
    history.record(ctx, domain)
    return DomainRenewed(domain.name, domain.expires_at,
                         Charge((fee_of(quote, tld),), registrar.balance, registrar.credit_limit))
