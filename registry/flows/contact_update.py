"""contact:update (RFC 5733 3.2.5)."""

from __future__ import annotations

from dataclasses import dataclass

from .. import history
from ..authinfo import check_strength, hash_authinfo
from ..errors import StatusProhibitsOperation
from ..values import Disclose, PostalChange
from .contact_data import (
    check_email,
    check_extension,
    check_phone,
    disclose_dict,
    merge_postal,
)
from .context import FlowContext
from .lookup import get_contact, require_sponsor
from .pending import refuse_pending_transfer
from .statuses import CONTACT_STATUSES, change_statuses


@dataclass(frozen=True)
class ContactUpdate:
    id: str
    add_statuses: tuple[str, ...] = ()
    rem_statuses: tuple[str, ...] = ()
    postal: tuple[PostalChange, ...] = ()  # merged into the stored postalInfo of its type
    email: str | None = None
    voice: str | None = None  # "" removes
    voice_ext: str | None = None
    fax: str | None = None  # "" removes
    fax_ext: str | None = None
    authinfo: str | None = None  # "" unsets
    disclose: Disclose | None = None

    @property
    def only_statuses(self) -> bool:
        return not (self.postal or self.email is not None or self.voice is not None
                    or self.fax is not None or self.authinfo is not None
                    or self.disclose is not None)


@dataclass(frozen=True)
class ContactUpdated:
    id: str
    code: int = 1000


def contact_update(ctx: FlowContext, cmd: ContactUpdate) -> ContactUpdated:
    contact = get_contact(ctx, cmd.id)
    what = f"contact {contact.handle}"
    require_sponsor(ctx, contact, what)
    refuse_pending_transfer(ctx, "contact", contact)
    statuses = set(contact.statuses)
    if "serverUpdateProhibited" in statuses and not ctx.actor.is_privileged:
        raise StatusProhibitsOperation(f"{what} has status serverUpdateProhibited")
    if "clientUpdateProhibited" in statuses and not (
            "clientUpdateProhibited" in cmd.rem_statuses and cmd.only_statuses):
        raise StatusProhibitsOperation(
            f"{what} has status clientUpdateProhibited: the only update allowed is removing it")
    contact.statuses = change_statuses(ctx, what, contact.statuses, cmd.add_statuses,
                                       cmd.rem_statuses, CONTACT_STATUSES)
    if cmd.postal:
        # Merged here, in the update's transaction, with what is stored now.
        contact.postal = merge_postal(contact.postal, cmd.postal)
    if cmd.email is not None:
        contact.email = check_email(cmd.email)
    if cmd.voice is not None:
        contact.voice = check_phone(cmd.voice, "voice")
        contact.voice_ext = check_extension(cmd.voice_ext, "voice") if contact.voice else None
    if cmd.fax is not None:
        contact.fax = check_phone(cmd.fax, "fax")
        contact.fax_ext = check_extension(cmd.fax_ext, "fax") if contact.fax else None
    if cmd.authinfo is not None:
        check_strength(cmd.authinfo, ctx.settings.contact_authinfo_min_bits)
        contact.authinfo_hash = hash_authinfo(cmd.authinfo) if cmd.authinfo else None
    if cmd.disclose is not None:
        contact.disclose = disclose_dict(cmd.disclose)
    contact.updated_at, contact.updater_id = ctx.now, ctx.actor.registrar_id
    history.record(ctx, contact)
    return ContactUpdated(contact.handle)
