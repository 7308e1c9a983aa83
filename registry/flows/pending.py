"""Pending transfers as transform flows see them: a bar to other changes, or one to decide."""

from __future__ import annotations

from ..errors import AuthorizationError, ObjectNotPendingTransfer, ObjectPendingTransfer
from ..models import Contact, Domain, Registrar, Transfer
from ..views import pending_transfer
from .context import FlowContext


def refuse_pending_transfer(ctx: FlowContext, kind: str, obj: Domain | Contact) -> None:
    """RFC 5730: while a transfer is pending only transfer commands may change the object."""
    if pending_transfer(ctx.session, kind, obj.id):
        raise ObjectPendingTransfer(f"{kind} {_name(obj)} has a pending transfer")


def transfer_to_decide(ctx: FlowContext, kind: str, obj: Domain | Contact,
                       side: str) -> Transfer:
    """The pending transfer, if the actor is the side (losing or gaining) that may decide it."""
    transfer = pending_transfer(ctx.session, kind, obj.id)
    if transfer is None:
        raise ObjectNotPendingTransfer(f"{kind} {_name(obj)} has no pending transfer")
    allowed = transfer.losing_id if side == "losing" else transfer.gaining_id
    if not ctx.actor.may_act_on(allowed):
        who = ctx.session.get(Registrar, allowed).clid
        raise AuthorizationError(f"only the {side} registrar ({who}) may do that")
    return transfer


def involved(ctx: FlowContext, obj: Domain | Contact, transfer: Transfer | None) -> bool:
    """Whether the actor may see the object's last transfer without its authInfo: its
    sponsor, either side of that transfer, operators and the system may."""
    return ctx.actor.may_act_on(obj.sponsor_id) or (transfer is not None and any(
        ctx.actor.may_act_on(side) for side in (transfer.gaining_id, transfer.losing_id)))


def _name(obj: Domain | Contact) -> str:
    return obj.name if isinstance(obj, Domain) else obj.handle
