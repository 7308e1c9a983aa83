"""Read models of domains, hosts and contacts: what info returns and what history snapshots."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from .domain_parts import DomainParts, domain_parts
from .flows.contact_data import stored_postal
from .flows.context import FlowContext
from .models import Contact, Domain, DomainContact, DomainHost, Host, Transfer
from .models.transfer import PENDING
from .values import DsData, KeyDataValue, LaunchInfo, PostalInfo

RGP_BY_STATE = {"redemption": "redemptionPeriod", "pending_restore": "pendingRestore",
                "pending_delete": "pendingDelete"}
RGP_BY_GRACE = {"add": "addPeriod", "renew": "renewPeriod", "autorenew": "autoRenewPeriod",
                "transfer": "transferPeriod"}


@dataclass(frozen=True)
class DomainInfo:
    name: str
    roid: str
    statuses: tuple[str, ...]
    registrant: str | None
    contacts: tuple[tuple[str, str], ...]  # (type, contact id)
    nameservers: tuple[str, ...]
    subordinate_hosts: tuple[str, ...]
    sponsor: str
    creator: str
    created_at: datetime
    updater: str | None
    updated_at: datetime | None
    expires_at: datetime
    transferred_at: datetime | None
    has_authinfo: bool
    ds_data: tuple[DsData, ...] = ()
    key_data: tuple[KeyDataValue, ...] = ()
    max_sig_life: int | None = None
    rgp_statuses: tuple[str, ...] = ()
    allocation_token: str | None = None  # RFC 8495, when asked for (allocationToken:info)
    launch: LaunchInfo | None = None  # RFC 8334, when asked for (launch:info)
    idn_table: str | None = None  # the IDN table (its tag) the label was registered under
    code: int = 1000


@dataclass(frozen=True)
class HostInfo:
    name: str
    roid: str
    statuses: tuple[str, ...]
    addresses: tuple[str, ...]
    sponsor: str
    creator: str
    created_at: datetime
    updater: str | None
    updated_at: datetime | None
    transferred_at: datetime | None
    code: int = 1000


@dataclass(frozen=True)
class ContactInfo:
    id: str
    roid: str
    statuses: tuple[str, ...]
    postal: tuple[PostalInfo, ...]
    voice: str | None
    voice_ext: str | None
    fax: str | None
    fax_ext: str | None
    email: str
    sponsor: str
    creator: str
    created_at: datetime
    updater: str | None
    updated_at: datetime | None
    transferred_at: datetime | None
    disclose: dict | None
    has_authinfo: bool
    code: int = 1000


def roid(kind: str, object_id: int, suffix: str) -> str:
    """Repository object id, e.g. ``D42-PYRAR`` (RFC 5730 roidType: local id, hyphen, suffix)."""
    return f"{kind}{object_id}-{suffix}"


def clid(ctx: FlowContext, registrar_id: int | None) -> str | None:
    return None if registrar_id is None else ctx.policy.clid(ctx.session, registrar_id)


def pending_transfer(session: Session, object_type: str, object_id: int) -> Transfer | None:
    return session.scalars(select(Transfer).where(
        Transfer.object_type == object_type, Transfer.object_id == object_id,
        Transfer.status == PENDING)).first()


def domain_statuses(domain: Domain, parts: DomainParts) -> tuple[str, ...]:
    statuses = list(domain.statuses)
    if domain.state != "active":
        statuses.append("pendingDelete")
    if parts.transfer_pending:
        statuses.append("pendingTransfer")
    if not parts.nameservers:
        statuses.append("inactive")
    return tuple(sorted(statuses)) or ("ok",)


def rgp_statuses(domain: Domain, parts: DomainParts, now: datetime) -> tuple[str, ...]:
    if domain.state in RGP_BY_STATE:
        return (RGP_BY_STATE[domain.state],)
    return tuple(dict.fromkeys(RGP_BY_GRACE[kind] for kind, ends_at in parts.grace_periods
                               if ends_at > now))


def domain_info(ctx: FlowContext, domain: Domain, parts: DomainParts | None = None
                ) -> DomainInfo:
    """``parts``, when the caller knows them (a domain just created), spare their query."""
    session, suffix = ctx.session, ctx.settings.roid_suffix
    parts = (parts or ctx.prefetched.get("domain_parts", {}).get(domain.id)
             or domain_parts(session, domain.id, domain.registrant_id))
    return DomainInfo(
        name=domain.name, roid=roid("D", domain.id, suffix),
        statuses=domain_statuses(domain, parts), registrant=parts.registrant,
        contacts=parts.contacts, nameservers=parts.nameservers,
        subordinate_hosts=parts.subordinate_hosts,
        sponsor=clid(ctx, domain.sponsor_id), creator=clid(ctx, domain.creator_id),
        created_at=domain.created_at, updater=clid(ctx, domain.updater_id),
        updated_at=domain.updated_at, expires_at=domain.expires_at,
        transferred_at=domain.transferred_at, has_authinfo=bool(domain.authinfo_hash),
        ds_data=parts.ds_data, key_data=parts.key_data, max_sig_life=domain.max_sig_life,
        rgp_statuses=rgp_statuses(domain, parts, ctx.now), idn_table=domain.idn_table)


def host_linked(session: Session, host_id: int) -> bool:
    return bool(session.scalar(select(exists().where(DomainHost.host_id == host_id))))


def host_info(ctx: FlowContext, host: Host) -> HostInfo:
    session, suffix = ctx.session, ctx.settings.roid_suffix
    statuses = list(host.statuses)
    if host_linked(session, host.id):
        statuses.append("linked")
    if not host.statuses:
        statuses.append("ok")  # RFC 5732: "ok" combines with "linked" only
    return HostInfo(
        name=host.name, roid=roid("H", host.id, suffix), statuses=tuple(sorted(statuses)),
        addresses=tuple(host.addresses), sponsor=clid(ctx, host.sponsor_id),
        creator=clid(ctx, host.creator_id), created_at=host.created_at,
        updater=clid(ctx, host.updater_id), updated_at=host.updated_at,
        transferred_at=host.transferred_at)


def contact_linked(session: Session, contact_id: int) -> bool:
    return bool(session.scalar(select(
        exists().where(DomainContact.contact_id == contact_id)
        | exists().where(Domain.registrant_id == contact_id))))


def contact_info(ctx: FlowContext, contact: Contact) -> ContactInfo:
    session, suffix = ctx.session, ctx.settings.roid_suffix
    statuses = list(contact.statuses)
    if contact_linked(session, contact.id):
        statuses.append("linked")
    if pending_transfer(session, "contact", contact.id):
        statuses.append("pendingTransfer")
    if not set(statuses) - {"linked"}:
        statuses.append("ok")  # RFC 5733: "ok" combines with "linked" only
    postal = tuple(stored_postal(t, p) for t, p in sorted(contact.postal.items()))
    return ContactInfo(
        id=contact.handle, roid=roid("C", contact.id, suffix), statuses=tuple(sorted(statuses)),
        postal=postal, voice=contact.voice, voice_ext=contact.voice_ext, fax=contact.fax,
        fax_ext=contact.fax_ext, email=contact.email, sponsor=clid(ctx, contact.sponsor_id),
        creator=clid(ctx, contact.creator_id), created_at=contact.created_at,
        updater=clid(ctx, contact.updater_id), updated_at=contact.updated_at,
        transferred_at=contact.transferred_at, disclose=contact.disclose,
        has_authinfo=bool(contact.authinfo_hash))


def snapshot(info: DomainInfo | HostInfo | ContactInfo) -> dict:
    """A JSON-ready copy of an info view, for history rows."""
    data = _plain(info)
    data.pop("code", None)
    return data


def _plain(value):
    """What dataclasses.asdict and then JSON would make of ``value``, in one walk (asdict
    deep-copies every value first: a fifth of a create's history row)."""
    if isinstance(value, str | int | float | bool | None):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
