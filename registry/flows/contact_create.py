"""contact:create (RFC 5733 3.2.1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import history
from ..authinfo import check_strength, hash_authinfo
from ..errors import ObjectExists, RequiredParameterMissing
from ..models import Contact
from ..names import check_contact_id
from ..values import Disclose, PostalInfo
from .contact_data import (
    check_email,
    check_extension,
    check_phone,
    disclose_dict,
    postal_dict,
)
from .context import FlowContext
from .lookup import acting_registrar


@dataclass(frozen=True)
class ContactCreate:
    id: str
    postal: tuple[PostalInfo, ...]
    email: str
    voice: str | None = None
    voice_ext: str | None = None
    fax: str | None = None
    fax_ext: str | None = None
    authinfo: str = ""
    disclose: Disclose | None = None


@dataclass(frozen=True)
class ContactCreated:
    id: str
    created_at: datetime
    code: int = 1000


def contact_create(ctx: FlowContext, cmd: ContactCreate) -> ContactCreated:
    handle = check_contact_id(cmd.id)
    if ctx.session.scalar(select(Contact.id).where(Contact.handle == handle)) is not None:
        raise ObjectExists(f"contact {handle} already exists", value=handle)
    if not cmd.postal:
        raise RequiredParameterMissing("at least one postalInfo is required")
    check_strength(cmd.authinfo, ctx.settings.contact_authinfo_min_bits)
    registrar_id = acting_registrar(ctx).id
    contact = Contact(
        handle=handle, sponsor_id=registrar_id, creator_id=registrar_id, created_at=ctx.now,
        postal=postal_dict(cmd.postal), email=check_email(cmd.email),
        voice=check_phone(cmd.voice, "voice"), voice_ext=check_extension(cmd.voice_ext, "voice"),
        fax=check_phone(cmd.fax, "fax"), fax_ext=check_extension(cmd.fax_ext, "fax"),
        authinfo_hash=hash_authinfo(cmd.authinfo) if cmd.authinfo else None,
        disclose=disclose_dict(cmd.disclose), statuses=[])
    ctx.session.add(contact)
    try:
        ctx.session.flush()
    except IntegrityError:
        raise ObjectExists(f"contact {handle} already exists", value=handle) from None
    history.record(ctx, contact)
    return ContactCreated(handle, ctx.now)
