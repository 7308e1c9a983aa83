"""contact:info (RFC 5733 3.1.2): for the sponsor, or whoever knows the contact's authInfo."""

from __future__ import annotations

from dataclasses import dataclass

from ..authinfo import verify_authinfo
from ..errors import AuthorizationError, InvalidAuthorization
from ..views import ContactInfo
from ..views import contact_info as contact_view
from .context import FlowContext
from .lookup import get_contact


@dataclass(frozen=True)
class ContactInfoQuery:
    id: str
    authinfo: str | None = None


def contact_info(ctx: FlowContext, cmd: ContactInfoQuery) -> ContactInfo:
    contact = get_contact(ctx, cmd.id, lock=False)
    if not ctx.actor.may_act_on(contact.sponsor_id):
        if not cmd.authinfo:
            raise AuthorizationError(f"contact {contact.handle} is sponsored by another "
                                     "registrar; give its authInfo")
        if not verify_authinfo(cmd.authinfo, contact.authinfo_hash):
            raise InvalidAuthorization(f"invalid authInfo for contact {contact.handle}")
    return contact_view(ctx, contact)
