"""domain:transfer (RFC 5731 3.2.4): request, query, approve, reject and cancel."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .. import billing, history, lifecycle, variant_bundles
from ..errors import (
    AssociationProhibitsOperation,
    InvalidAuthorization,
    NotEligibleForTransfer,
    ObjectNotPendingTransfer,
    ParameterRangeError,
)
from ..models import Domain, Transfer
from ..periods import add_years
from ..transfers import approve_domain_transfer, end_domain_transfer, notify, transfer_data
from ..values import Charge, Period, TransferData
from .context import FlowContext
from .domain_create import check_period
from .domain_info import check_authinfo
from .fees import FeeAgreement, check_agreement, fee_of, price
from .lookup import acting_registrar, get_domain, refuse_pending_delete, refuse_statuses
from .pending import involved, refuse_pending_transfer, transfer_to_decide

TRANSFER_PROHIBITED = ("clientTransferProhibited", "serverTransferProhibited")


@dataclass(frozen=True)
class DomainTransferRequest:
    name: str
    authinfo: str = ""
    authinfo_roid: str | None = None
    period: Period = Period()
    fee: FeeAgreement | None = None


@dataclass(frozen=True)
class DomainTransferQuery:
    name: str
    authinfo: str | None = None
    authinfo_roid: str | None = None


@dataclass(frozen=True)
class DomainTransferApprove:
    name: str


@dataclass(frozen=True)
class DomainTransferReject:
    name: str


@dataclass(frozen=True)
class DomainTransferCancel:
    name: str


@dataclass(frozen=True)
class DomainTransferResult:
    transfer: TransferData
    charge: Charge | None = None
    code: int = 1000


def domain_transfer_request(ctx: FlowContext, cmd: DomainTransferRequest
                            ) -> DomainTransferResult:
    domain = get_domain(ctx, cmd.name)
    gaining = acting_registrar(ctx)
    if domain.sponsor_id == gaining.id:
        raise NotEligibleForTransfer(f"you already sponsor {domain.name}")
    refuse_pending_delete(domain)
    refuse_statuses(domain.statuses, TRANSFER_PROHIBITED, f"domain {domain.name}", "transfer")
    refuse_pending_transfer(ctx, "domain", domain)
    if not cmd.authinfo:
        raise InvalidAuthorization(f"a transfer of {domain.name} needs its authInfo")
    check_authinfo(ctx, domain, cmd.authinfo, cmd.authinfo_roid)
    check_bundle_moves(ctx, domain, gaining.id)
    tld = ctx.tld_of(domain)
    years = check_period(tld, cmd.period)
    expires = _expiry_after_transfer(ctx, domain, years)
    if expires > add_years(ctx.now, tld.max_period):
        raise ParameterRangeError(
            f"a {years}-year transfer would take {domain.name} beyond {tld.max_period} years")
    quote = price(ctx, tld, domain.name.split(".")[0], "transfer", years, gaining.currency)
    check_agreement(quote, tld, cmd.fee)
    billing.debit(ctx, gaining.id, quote.amount, "transfer", domain.name,
                  f"transfer of {domain.name} requested ({years} year(s))")
    transfer = Transfer(
        object_type="domain", object_id=domain.id, object_name=domain.name,
        gaining_id=gaining.id, losing_id=domain.sponsor_id, requested_at=ctx.now,
        action_at=ctx.now + tld.period("transfer_pending"), period_years=years,
        expires_at=expires, amount=quote.amount)
    ctx.session.add(transfer)
    ctx.session.flush()
    lifecycle.refresh_next_event(ctx, domain)
    history.record(ctx, domain)
    notify(ctx, transfer, transfer.losing_id)
    return DomainTransferResult(
        transfer_data(ctx, transfer),
        Charge((fee_of(quote, tld),), gaining.balance, gaining.credit_limit), 1001)


def check_bundle_moves(ctx: FlowContext, domain: Domain, gaining_id: int) -> None:
    """A variant bundle moves whole (registry/variant_bundles.py): a transfer of an
    allocated variant is refused (2305) naming the bundle's primary, unless it goes to the
    primary's sponsor (joining a bundle split before this rule); the variants that will
    move with the name must be free to (2304 naming the first that is not)."""
    others = lifecycle.settled(ctx, variant_bundles.members(ctx, domain, lock=True))
    first = variant_bundles.primary(domain, others)
    if first is not domain and first.sponsor_id != gaining_id:
        raise AssociationProhibitsOperation(
            f"{domain.name} is an allocated variant of {first.name}: a variant bundle moves "
            f"whole, with a transfer of {first.name}", value=domain.name)
    for variant in (v for v in others if v.sponsor_id == domain.sponsor_id):
        what = f"variant {variant.name} of {domain.name}"
        refuse_pending_delete(variant, what)
        refuse_statuses(variant.statuses, TRANSFER_PROHIBITED, what, "move with it")
        refuse_pending_transfer(ctx, "domain", variant)


def _expiry_after_transfer(ctx: FlowContext, domain: Domain, years: int):
    """Expiry once transferred: an auto-renewal still in grace is undone first."""
    expires = domain.expires_at
    for grace in domain.grace_periods:
        if grace.kind == "autorenew" and grace.ends_at > ctx.now:
            expires = add_years(expires, -grace.years)
    return add_years(expires, years)


def domain_transfer_query(ctx: FlowContext, cmd: DomainTransferQuery) -> DomainTransferResult:
    domain = get_domain(ctx, cmd.name, lock=False)
    transfer = ctx.session.scalars(select(Transfer).where(
        Transfer.object_type == "domain", Transfer.object_id == domain.id
    ).order_by(Transfer.id.desc())).first()
    if not involved(ctx, domain, transfer):
        check_authinfo(ctx, domain, cmd.authinfo, cmd.authinfo_roid)
    if transfer is None:
        raise ObjectNotPendingTransfer(f"domain {domain.name} has never been transferred")
    return DomainTransferResult(transfer_data(ctx, transfer))


def domain_transfer_approve(ctx: FlowContext, cmd: DomainTransferApprove
                            ) -> DomainTransferResult:
    domain = get_domain(ctx, cmd.name)
    transfer = transfer_to_decide(ctx, "domain", domain, "losing")
    approve_domain_transfer(ctx, domain, transfer, "clientApproved",
                            lifecycle.variants_moving(ctx, domain, transfer))
    lifecycle.refresh_next_event(ctx, domain)
    return DomainTransferResult(transfer_data(ctx, transfer))


def domain_transfer_reject(ctx: FlowContext, cmd: DomainTransferReject) -> DomainTransferResult:
    domain = get_domain(ctx, cmd.name)
    transfer = transfer_to_decide(ctx, "domain", domain, "losing")
    end_domain_transfer(ctx, domain, transfer, "clientRejected")
    lifecycle.refresh_next_event(ctx, domain)
    return DomainTransferResult(transfer_data(ctx, transfer))


def domain_transfer_cancel(ctx: FlowContext, cmd: DomainTransferCancel) -> DomainTransferResult:
    domain = get_domain(ctx, cmd.name)
    transfer = transfer_to_decide(ctx, "domain", domain, "gaining")
    end_domain_transfer(ctx, domain, transfer, "clientCancelled")
    lifecycle.refresh_next_event(ctx, domain)
    return DomainTransferResult(transfer_data(ctx, transfer))
