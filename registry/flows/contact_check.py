"""contact:check (RFC 5733 3.1.1)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..models import Contact
from ..names import CONTACT_ID
from .context import FlowContext


@dataclass(frozen=True)
class ContactCheck:
    ids: tuple[str, ...]


@dataclass(frozen=True)
class ContactAvailability:
    id: str
    available: bool
    reason: str | None = None


@dataclass(frozen=True)
class ContactCheckResult:
    ids: tuple[ContactAvailability, ...]
    code: int = 1000


def contact_check(ctx: FlowContext, cmd: ContactCheck) -> ContactCheckResult:
    valid = [i for i in cmd.ids if CONTACT_ID.match(i)]
    taken = set(ctx.session.scalars(select(Contact.handle).where(Contact.handle.in_(valid)))) \
        if valid else set()
    return ContactCheckResult(tuple(
        ContactAvailability(i, False, "Invalid contact id") if not CONTACT_ID.match(i)
        else ContactAvailability(i, i not in taken, "In use" if i in taken else None)
        for i in cmd.ids))
