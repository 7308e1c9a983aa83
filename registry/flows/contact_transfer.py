"""contact:transfer (RFC 5733 3.2.4): request, query, approve, reject and cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from .. import history
from ..authinfo import verify_authinfo
from ..errors import InvalidAuthorization, NotEligibleForTransfer, ObjectNotPendingTransfer
from ..models import Transfer
from ..transfers import approve_contact_transfer, notify, transfer_data
from ..values import TransferData
from .context import FlowContext
from .lookup import acting_registrar_id, get_contact, refuse_statuses
from .pending import involved, refuse_pending_transfer, transfer_to_decide

TRANSFER_PROHIBITED = ("clientTransferProhibited", "serverTransferProhibited")


@dataclass(frozen=True)
class ContactTransferRequest:
    id: str
    authinfo: str = ""


@dataclass(frozen=True)
class ContactTransferQuery:
    id: str
    authinfo: str | None = None


@dataclass(frozen=True)
class ContactTransferApprove:
    id: str


@dataclass(frozen=True)
class ContactTransferReject:
    id: str


@dataclass(frozen=True)
class ContactTransferCancel:
    id: str


@dataclass(frozen=True)
class ContactTransferResult:
    transfer: TransferData
    code: int = 1000


def contact_transfer_request(ctx: FlowContext, cmd: ContactTransferRequest
                             ) -> ContactTransferResult:
    contact = get_contact(ctx, cmd.id)
    gaining_id = acting_registrar_id(ctx)
    if contact.sponsor_id == gaining_id:
        raise NotEligibleForTransfer(f"you already sponsor contact {contact.handle}")
    refuse_statuses(contact.statuses, TRANSFER_PROHIBITED, f"contact {contact.handle}",
                    "transfer")
    refuse_pending_transfer(ctx, "contact", contact)
    if not verify_authinfo(cmd.authinfo, contact.authinfo_hash):
        raise InvalidAuthorization(f"invalid authInfo for contact {contact.handle}")
    transfer = Transfer(
        object_type="contact", object_id=contact.id, object_name=contact.handle,
        gaining_id=gaining_id, losing_id=contact.sponsor_id, requested_at=ctx.now,
        action_at=ctx.now + timedelta(days=ctx.settings.contact_transfer_pending_days))
    ctx.session.add(transfer)
    ctx.session.flush()
    history.record(ctx, contact)
    notify(ctx, transfer, transfer.losing_id)
    return ContactTransferResult(transfer_data(ctx, transfer), 1001)


def contact_transfer_query(ctx: FlowContext, cmd: ContactTransferQuery) -> ContactTransferResult:
    contact = get_contact(ctx, cmd.id, lock=False)
    transfer = ctx.session.scalars(select(Transfer).where(
        Transfer.object_type == "contact", Transfer.object_id == contact.id
    ).order_by(Transfer.id.desc())).first()
    if not involved(ctx, contact, transfer) and not verify_authinfo(cmd.authinfo or "",
                                                                    contact.authinfo_hash):
        raise InvalidAuthorization(f"invalid authInfo for contact {contact.handle}")
    if transfer is None:
        raise ObjectNotPendingTransfer(f"contact {contact.handle} has never been transferred")
    return ContactTransferResult(transfer_data(ctx, transfer))


def contact_transfer_approve(ctx: FlowContext, cmd: ContactTransferApprove
                             ) -> ContactTransferResult:
    contact = get_contact(ctx, cmd.id)
    transfer = transfer_to_decide(ctx, "contact", contact, "losing")
    approve_contact_transfer(ctx, contact, transfer, "clientApproved")
    return ContactTransferResult(transfer_data(ctx, transfer))


def contact_transfer_reject(ctx: FlowContext, cmd: ContactTransferReject
                            ) -> ContactTransferResult:
    return _end(ctx, cmd.id, "losing", "clientRejected")


def contact_transfer_cancel(ctx: FlowContext, cmd: ContactTransferCancel
                            ) -> ContactTransferResult:
    return _end(ctx, cmd.id, "gaining", "clientCancelled")


def _end(ctx: FlowContext, handle: str, side: str, status: str) -> ContactTransferResult:
    contact = get_contact(ctx, handle)
    transfer = transfer_to_decide(ctx, "contact", contact, side)
    transfer.status, transfer.action_at = status, ctx.now
    history.record(ctx, contact, command=f"contact_transfer_{status}")
    notify(ctx, transfer, transfer.losing_id if side == "gaining" else transfer.gaining_id)
    return ContactTransferResult(transfer_data(ctx, transfer))
