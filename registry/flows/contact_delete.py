"""contact:delete (RFC 5733 3.2.2): not while any domain refers to it."""

from __future__ import annotations

from dataclasses import dataclass

from .. import history
from ..errors import AssociationProhibitsOperation
from ..views import contact_linked
from .context import FlowContext
from .lookup import get_contact, refuse_statuses, require_sponsor
from .pending import refuse_pending_transfer

DELETE_PROHIBITED = ("clientDeleteProhibited", "serverDeleteProhibited")


@dataclass(frozen=True)
class ContactDelete:
    id: str


@dataclass(frozen=True)
class ContactDeleted:
    id: str
    code: int = 1000


def contact_delete(ctx: FlowContext, cmd: ContactDelete) -> ContactDeleted:
    contact = get_contact(ctx, cmd.id)
    what = f"contact {contact.handle}"
    require_sponsor(ctx, contact, what)
    refuse_statuses(contact.statuses, DELETE_PROHIBITED, what, "delete")
    refuse_pending_transfer(ctx, "contact", contact)
    if contact_linked(ctx.session, contact.id):
        raise AssociationProhibitsOperation(f"{what} is used by a domain")
    history.record(ctx, contact, deleted=True)
    ctx.session.delete(contact)
    return ContactDeleted(contact.handle)
