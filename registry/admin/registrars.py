"""Operating registrars: accounts, passwords, allowed networks, certificates and credit."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from .. import billing
from ..errors import (
    BillingFailure,
    ObjectDoesNotExist,
    ObjectExists,
    ParameterPolicyError,
    ParameterRangeError,
    ParameterSyntaxError,
)
from ..flows.contact_data import check_phone, check_postal
from ..flows.context import FlowContext
from ..flows.session_login import change_password, check_new_password
from ..models import LedgerEntry, Registrar
from ..money import MAX_MINOR, check_currency, format_amount
from ..names import CONTACT_ID
from ..passwords import hash_password
from ..values import PostalAddress, PostalInfo
from ..views import snapshot

FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")


def get_registrar(ctx: FlowContext, clid: str, *, lock: bool = False) -> Registrar:
    stmt = select(Registrar).where(Registrar.clid == clid)
    registrar = ctx.session.scalars(stmt.with_for_update() if lock else stmt).first()
    if registrar is None:
        raise ObjectDoesNotExist(f"registrar {clid} does not exist")
    return registrar


def add_registrar(ctx: FlowContext, clid: str, *, password: str, name: str | None = None,
                  email: str = "", currency: str = "USD", credit_limit: int = 0,
                  fingerprints: tuple[str, ...] = (), networks: tuple[str, ...] = (),
                  low_balance_threshold: int | None = None, **rdds: Any) -> Registrar:
    if not CONTACT_ID.match(clid):  # clIDType: 3 to 16 characters
        raise ParameterSyntaxError(f"clid {clid!r} must be 3 to 16 printable characters")
    if ctx.session.scalars(select(Registrar).where(Registrar.clid == clid)).first():
        raise ObjectExists(f"registrar {clid} already exists")
    registrar = Registrar(clid=clid, name=name or clid, email=email,
                          currency=check_currency(currency), balance=0, credit_limit=0,
                          created_at=ctx.now, password_hash="", allowed_networks=[],
                          status="ok", low_balance_notified=False)
    ctx.session.add(registrar)
    update_registrar(ctx, registrar, password=password, credit_limit=credit_limit,
                     fingerprints=fingerprints, networks=networks,
                     low_balance_threshold=low_balance_threshold, **rdds)
    ctx.session.flush()
    return registrar


def update_registrar(ctx: FlowContext, registrar: Registrar, *, password: str | None = None,
                     credit_limit: int | None = None, fingerprints: tuple[str, ...] | None = None,
                     networks: tuple[str, ...] | None = None, status: str | None = None,
                     low_balance_threshold: int | None = None, email: str | None = None,
                     name: str | None = None, iana_id: int | None = None,
                     url: str | None = None, abuse_email: str | None = None,
                     abuse_phone: str | None = None, postal: PostalAddress | None = None,
                     voice: str | None = None) -> Registrar:
    if password is not None:
        if registrar.password_hash:
            change_password(ctx, registrar, password)
        else:
            registrar.password_hash = hash_password(check_new_password(password),
                                                    ctx.settings.password_hash_cost)
    if credit_limit is not None:
        if credit_limit < 0:
            raise ParameterPolicyError("a credit limit cannot be negative")
        registrar.credit_limit = credit_limit
    if fingerprints is not None:
        prints = [_fingerprint(f) for f in fingerprints]
        if len(prints) > 2:
            raise ParameterPolicyError("at most two certificate fingerprints (primary, failover)")
        registrar.cert_fingerprint, registrar.cert_fingerprint_failover = [*prints, None, None][:2]
    if networks is not None:
        registrar.allowed_networks = [_network(n) for n in networks]
    if status is not None:
        if status not in ("ok", "suspended"):
            raise ParameterSyntaxError("status must be ok or suspended")
        registrar.status = status
    if low_balance_threshold is not None:
        registrar.low_balance_threshold = low_balance_threshold
    if email is not None:
        registrar.email = email
    if name is not None:
        registrar.name = name
    _set_rdds(registrar, iana_id, url, abuse_email, abuse_phone)
    if postal is not None:
        address = check_postal(PostalInfo("int", registrar.name, postal.city, postal.cc,
                                          street=postal.street, sp=postal.sp, pc=postal.pc))
        registrar.postal = {k: v for k, v in address.items() if k != "name"}
    if voice is not None:
        registrar.voice = check_phone(voice, "voice")
    return registrar


def check_http_url(url: str) -> str:
    """``url`` when it is an absolute http(s) URL; ParameterSyntaxError otherwise."""
    if not re.match(r"^https?://[^\s/]+\S*\Z", url) or len(url) > 2048:
        raise ParameterSyntaxError(f"{url!r} is not an http(s) URL")
    return url


def _set_rdds(registrar: Registrar, iana_id: int | None, url: str | None,
              abuse_email: str | None, abuse_phone: str | None) -> None:
    """What RDAP, WHOIS and escrow publish about the registrar."""
    if iana_id is not None:
        if not 1 <= iana_id <= 2**31 - 1:
            raise ParameterRangeError(f"IANA registrar id {iana_id} is not a positive number")
        registrar.iana_id = iana_id
    if url is not None:
        registrar.url = check_http_url(url) if url else url
    if abuse_email is not None:
        if abuse_email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z", abuse_email):
            raise ParameterSyntaxError(f"{abuse_email!r} is not an email address")
        registrar.abuse_email = abuse_email
    if abuse_phone is not None:
        registrar.abuse_phone = check_phone(abuse_phone, "abuse phone") or ""


class PastCreditLimit(BillingFailure):
    """Taking money back would leave the registrar below its credit limit; ``force``
    does it anyway."""


def credit_registrar(ctx: FlowContext, clid: str, amount: int, description: str, *,
                     force: bool = False) -> billing.Movement:
    """Add (or, negative, take back) money: a payment received, a correction.

    Taking back more than the registrar has, credit included, is refused unless ``force``:
    the registrar could then create nothing until it pays the difference."""
    registrar = get_registrar(ctx, clid, lock=True)
    cur = registrar.currency
    if amount == 0:
        raise ParameterPolicyError("a credit of zero changes nothing")
    after = registrar.balance + amount
    if abs(after) > MAX_MINOR:
        raise ParameterRangeError(
            f"that would take {clid}'s balance to {format_amount(after, cur)} {cur}, past the "
            f"largest amount kept ({format_amount(MAX_MINOR, cur)})")
    if amount < 0:
        past = -(after + registrar.credit_limit)
        if past > 0 and not force:
            raise PastCreditLimit(
                f"taking back {format_amount(-amount, cur)} {cur} leaves {clid} at "
                f"{format_amount(after, cur)} {cur}, {format_amount(past, cur)} {cur} past its "
                f"credit limit of {format_amount(registrar.credit_limit, cur)} {cur}")
        return billing.debit(ctx, registrar.id, -amount, "adjustment", None,
                             description or "operator adjustment", force=True)
    return billing.credit(ctx, registrar.id, amount, "payment", None,
                          description or "operator credit")


def _fingerprint(text: str) -> str:
    value = text.strip().lower().replace(":", "")
    if value.startswith("sha256"):
        value = value[6:].lstrip("=:")
    if not FINGERPRINT.match(value):
        raise ParameterSyntaxError(f"{text!r} is not a SHA-256 certificate fingerprint")
    return value


def _network(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text.strip(), strict=False))
    except ValueError:
        raise ParameterSyntaxError(f"{text!r} is not an IP network") from None


@dataclass(frozen=True)
class RegistrarView:
    clid: str
    name: str
    email: str
    status: str
    currency: str
    balance: int
    credit_limit: int
    low_balance_threshold: int | None
    fingerprints: tuple[str, ...]
    networks: tuple[str, ...]
    iana_id: int | None
    url: str
    abuse_email: str
    abuse_phone: str
    created_at: datetime

    @classmethod
    def of(cls, r: Registrar) -> RegistrarView:
        return cls(r.clid, r.name, r.email, r.status, r.currency, r.balance, r.credit_limit,
                   r.low_balance_threshold,
                   tuple(f for f in (r.cert_fingerprint, r.cert_fingerprint_failover) if f),
                   tuple(r.allowed_networks or ()), r.iana_id, r.url or "",
                   r.abuse_email or "", r.abuse_phone or "", r.created_at)


@dataclass(frozen=True)
class LedgerView:
    id: int
    at: datetime
    kind: str
    amount: int
    balance_after: int
    currency: str
    object_name: str | None
    svtrid: str | None
    description: str


def registrars_list(ctx: FlowContext) -> list[RegistrarView]:
    return [RegistrarView.of(r) for r in ctx.session.scalars(
        select(Registrar).order_by(Registrar.clid))]


def registrar_snapshot(ctx: FlowContext, clid: str) -> dict[str, Any]:
    """What the audit log keeps of a registrar (never its password hash)."""
    return snapshot(RegistrarView.of(get_registrar(ctx, clid)))


def ledger(ctx: FlowContext, clid: str, limit: int = 100,
           before_id: int | None = None) -> list[LedgerView]:
    """Newest first."""
    registrar = get_registrar(ctx, clid)
    stmt = select(LedgerEntry).where(LedgerEntry.registrar_id == registrar.id).order_by(
        LedgerEntry.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(LedgerEntry.id < before_id)
    return [LedgerView(e.id, e.at, e.kind, e.amount, e.balance_after, e.currency,
                       e.object_name, e.svtrid, e.description)
            for e in ctx.session.scalars(stmt)]
