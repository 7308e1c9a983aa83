"""Ending a transfer, shared by the approve/reject/cancel flows and the auto-approve rule."""

from __future__ import annotations

from collections.abc import Sequence

from . import billing, history, outbox
from .flows.context import FlowContext
from .models import Contact, Domain, GracePeriod, Transfer
from .periods import add_years
from .poll import enqueue
from .values import TransferData
from .views import clid


def transfer_data(ctx: FlowContext, transfer: Transfer) -> TransferData:
    return TransferData(
        name=transfer.object_name, status=transfer.status,
        gaining_clid=clid(ctx, transfer.gaining_id), requested_at=transfer.requested_at,
        losing_clid=clid(ctx, transfer.losing_id), action_at=transfer.action_at,
        expires_at=transfer.expires_at)


def notify(ctx: FlowContext, transfer: Transfer, *registrar_ids: int) -> None:
    data = transfer_data(ctx, transfer)
    text = {"pending": "Transfer requested", "clientApproved": "Transfer approved",
            "serverApproved": "Transfer auto-approved", "clientRejected": "Transfer rejected",
            "clientCancelled": "Transfer cancelled", "serverCancelled": "Transfer cancelled "
            "by the registry"}[transfer.status]
    for rid in registrar_ids:
        enqueue(ctx, rid, f"{transfer.object_type}_transfer",
                f"{text}: {transfer.object_name}",
                {"object_type": transfer.object_type, "transfer": data.to_payload()})


def approve_domain_transfer(ctx: FlowContext, domain: Domain, transfer: Transfer,
                            status: str, variants: Sequence[Domain]) -> None:
    """Move the domain to the gaining registrar and extend it by the paid period; its
    ``variants`` (the names of its variant bundle the losing registrar sponsors, settled,
    locked: registry/variant_bundles.py) move with it.

    A transfer inside the auto-renew grace cancels that auto-renewal: the losing registrar
    is refunded and the year it added comes off before the transfer's years go on.
    """
    gaining = transfer.gaining_id
    expires = domain.expires_at
    for grace in list(domain.grace_periods):
        if grace.kind == "autorenew" and grace.ends_at > ctx.now:
            billing.credit(ctx, grace.registrar_id, grace.amount, "refund", domain.name,
                           f"auto-renew of {domain.name} refunded: transferred away in grace")
            expires = add_years(expires, -grace.years)
        domain.grace_periods.remove(grace)  # no refunds owed to the old sponsor any more
    domain.expires_at = add_years(expires, transfer.period_years)
    _hand_over(ctx, domain, gaining)
    if transfer.period_years:
        domain.grace_periods.append(GracePeriod(
            kind="transfer", registrar_id=gaining, amount=transfer.amount,
            years=transfer.period_years,
            ends_at=ctx.now + ctx.tld_of(domain).period("transfer_grace")))
    transfer.status, transfer.action_at = status, ctx.now
    transfer.expires_at = domain.expires_at
    _completed(ctx, domain, transfer)
    for variant in variants:
        _move_variant(ctx, variant, transfer)


def _move_variant(ctx: FlowContext, variant: Domain, transfer: Transfer) -> None:
    """An allocated variant goes with its bundle's transfer as it is: nothing is billed
    (the gaining registrar agreed to the price of the name it asked for, RFC 8748) and its
    expiry stays; its grace periods end (no refunds owed to the old sponsor, as for the
    name transferred), its authInfo is unset, its subordinate hosts move. A transfer row of
    its own (no period, no amount) answers a transfer query on it, and both registrars'
    poll messages name it as for the name transferred."""
    variant.grace_periods.clear()
    _hand_over(ctx, variant, transfer.gaining_id)
    moved = Transfer(
        object_type="domain", object_id=variant.id, object_name=variant.name,
        status=transfer.status, gaining_id=transfer.gaining_id, losing_id=transfer.losing_id,
        requested_at=transfer.requested_at, action_at=ctx.now, period_years=0,
        expires_at=variant.expires_at, amount=0)
    ctx.session.add(moved)
    _completed(ctx, variant, moved, f"variant of {transfer.object_name}, transferred with it")


def _hand_over(ctx: FlowContext, domain: Domain, gaining: int) -> None:
    domain.sponsor_id = gaining
    domain.transferred_at = ctx.now
    domain.updated_at, domain.updater_id = ctx.now, gaining
    domain.authinfo_hash = None  # RFC 9154: authInfo is unset once the transfer completes
    for host in domain.subordinate_hosts:
        host.sponsor_id, host.transferred_at = gaining, ctx.now


def _completed(ctx: FlowContext, domain: Domain, transfer: Transfer, reason: str = "") -> None:
    """History, DNS and poll messages of a completed transfer."""
    history.record(ctx, domain, command=f"domain_transfer_{transfer.status}", reason=reason)
    outbox.publish(ctx, ctx.tld_of(domain).name, domain.name)
    # the loser asked for nothing when it approved; on auto-approval both learn of it
    notify(ctx, transfer, *((transfer.gaining_id, transfer.losing_id)
                            if transfer.status == "serverApproved" else (transfer.gaining_id,)))


def end_domain_transfer(ctx: FlowContext, domain: Domain, transfer: Transfer,
                        status: str) -> None:
    """Reject or cancel: the gaining registrar gets its money back."""
    if transfer.amount:
        billing.credit(ctx, transfer.gaining_id, transfer.amount, "refund", domain.name,
                       f"transfer of {domain.name} {status}: refunded")
    transfer.status, transfer.action_at = status, ctx.now
    history.record(ctx, domain, command=f"domain_transfer_{status}")
    notify(ctx, transfer, transfer.losing_id if status == "clientCancelled"
           else transfer.gaining_id)


def approve_contact_transfer(ctx: FlowContext, contact: Contact, transfer: Transfer,
                             status: str) -> None:
    contact.sponsor_id = transfer.gaining_id
    contact.transferred_at = ctx.now
    contact.updated_at, contact.updater_id = ctx.now, transfer.gaining_id
    contact.authinfo_hash = None
    transfer.status, transfer.action_at = status, ctx.now
    history.record(ctx, contact, command=f"contact_transfer_{status}")
    both = (transfer.gaining_id, transfer.losing_id)
    notify(ctx, transfer, *(both if status == "serverApproved" else both[:1]))

