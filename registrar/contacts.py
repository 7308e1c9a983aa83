"""The user's registrant contact at the registry: one contact object per user, created by
the house registrar from the details the user gives, private by default (every disclose
field withheld, RFC 5733 2.9), sent as the registrant of each name they register."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from registry.flows.context import FlowContext
from registry.values import Disclose, PostalInfo

from .backends.base import Backend
from .errors import InvalidInput
from .models import SiteUser

PRIVATE = Disclose(False, ("name:int", "org:int", "addr:int", "voice", "fax", "email"))
VOICE = re.compile(r"^\+[0-9]{1,3}\.[0-9]{1,14}\Z")  # RFC 5733 e164
FIELDS = {"name": 255, "org": 255, "city": 255, "sp": 255, "pc": 16, "cc": 2, "voice": 17}


def parse(details: object) -> dict:
    if not isinstance(details, dict):
        raise InvalidInput("contact details are an object", field="contact")
    out: dict = {}
    for key, most in FIELDS.items():
        value = details.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or len(value.strip()) > most:
            raise InvalidInput(f"{key} must be text of at most {most} characters", field=key)
        out[key] = value.strip()
    street = details.get("street") or []
    if not isinstance(street, list) or len(street) > 3 or not all(
            isinstance(s, str) and 0 < len(s) <= 255 for s in street):
        raise InvalidInput("street is a list of at most 3 lines", field="street")
    out["street"] = [s.strip() for s in street]
    for required in ("name", "city", "cc"):
        if required not in out:
            raise InvalidInput(f"{required} is needed", field=required)
    out["cc"] = out["cc"].upper()
    if not re.fullmatch(r"[A-Z]{2}", out["cc"]):
        raise InvalidInput("cc is a two-letter country code (ISO 3166)", field="cc")
    if "voice" in out and not VOICE.match(out["voice"]):
        raise InvalidInput("voice is written +CC.NUMBER, like +44.2071234567", field="voice")
    return out


@dataclass(frozen=True)
class Registrant:
    """The user's contact as a registry needs it to make or update the object."""

    handle: str
    postal: PostalInfo
    email: str
    voice: str | None
    disclose: Disclose = PRIVATE


def registrant_of(user: SiteUser) -> Registrant | None:
    """The user's contact, once they gave their details."""
    if user.contact_id is None or not user.contact:
        return None
    return Registrant(user.contact_id, _postal(user.contact), user.email,
                      user.contact.get("voice"))


def _postal(data: dict) -> PostalInfo:
    return PostalInfo("int", data["name"], data["city"], data["cc"], data.get("org"),
                      tuple(data.get("street") or ()), data.get("sp"), data.get("pc"))


def save(ctx: FlowContext, backend: Backend, user: SiteUser, details: object) -> dict:
    """Create or update the user's contact at the registry (and at each upstream holding
    it: backends/router.py); the details as kept."""
    data = parse(details)
    postal = _postal(data)
    if user.contact_id is None:
        handle = f"u{user.id}-{secrets.token_hex(3)}"[:16]
        backend.create_contact(ctx, handle, postal, user.email, data.get("voice"), PRIVATE)
        user.contact_id = handle
    else:
        backend.update_contact(ctx, user.contact_id, postal, user.email, data.get("voice"))
    user.contact = data
    return data
