"""launch:info, update and delete of applications (RFC 8334 3.2, 3.4, 3.5): an application
reads like a domain being created, changes its links while pending, and is withdrawn by
its delete (its fee refunded). registry/launch/applications.py files and allocates them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..authinfo import check_strength, hash_authinfo
from ..errors import UnimplementedOption
from ..launch import applications
from ..models import LaunchApplication
from ..values import LaunchInfo
from .context import FlowContext
from .domain_data import check_data_model, contact_for_link, domain_contacts, nameserver_hosts
from .domain_update import DomainUpdate, DomainUpdated


@dataclass(frozen=True)
class ApplicationRef:
    phase: str
    application_id: str
    custom_name: str = ""


@dataclass(frozen=True)
class ApplicationInfoQuery:
    name: str
    ref: ApplicationRef
    authinfo: str | None = None


@dataclass(frozen=True)
class ApplicationInfo:
    """domain:infData of an application, with its launch:infData."""

    name: str
    roid: str
    registrant: str | None
    contacts: tuple[tuple[str, str], ...]
    nameservers: tuple[str, ...]
    sponsor: str
    created_at: datetime
    updated_at: datetime | None
    launch: LaunchInfo
    code: int = 1000


@dataclass(frozen=True)
class ApplicationUpdate:
    ref: ApplicationRef
    update: DomainUpdate


@dataclass(frozen=True)
class ApplicationDelete:
    name: str
    ref: ApplicationRef


def application_info(ctx: FlowContext, cmd: ApplicationInfoQuery) -> ApplicationInfo:
    row = applications.get_application(ctx, cmd.name, cmd.ref.application_id, cmd.ref.phase)
    applications.check_access(ctx, row, cmd.authinfo)
    return ApplicationInfo(
        row.name, f"A{row.id}-{ctx.settings.roid_suffix}", row.data.get("registrant"),
        tuple(tuple(c) for c in row.data.get("contacts", ())),
        tuple(row.data.get("nameservers", ())), ctx.policy.clid(ctx.session, row.registrar_id),
        row.created_at, row.updated_at, applications.launch_info(row))


def application_update(ctx: FlowContext, cmd: ApplicationUpdate) -> DomainUpdated:
    u = cmd.update
    row = _own_pending(ctx, u.name, cmd.ref, "update")
    if u.add_statuses or u.rem_statuses or u.ds_add or u.ds_rem or u.key_add or u.key_rem \
            or u.dnssec_rem_all or u.max_sig_life is not None:
        raise UnimplementedOption("an application's update changes its contacts, name "
                                  "servers and authInfo only")
    tld = ctx.policy.tld_by_id(ctx.session, row.tld_id)
    data = dict(row.data)
    hosts = [h for h in data.get("nameservers", ()) if h not in
             {h.name for h in nameserver_hosts(ctx, u.rem_nameservers)}]
    hosts += [h.name for h in nameserver_hosts(ctx, u.add_nameservers) if h.name not in hosts]
    contacts = [tuple(c) for c in data.get("contacts", ()) if tuple(c) not in u.rem_contacts]
    contacts += [(c.type, c.contact.handle) for c in domain_contacts(ctx, u.add_contacts)
                 if (c.type, c.contact.handle) not in contacts]
    registrant = data.get("registrant")
    if u.registrant is not None:
        registrant = contact_for_link(ctx, u.registrant).handle if u.registrant else None
    check_data_model(tld, bool(registrant), (kind for kind, _ in contacts))
    if u.authinfo is not None:
        check_strength(u.authinfo, tld.authinfo_min_bits)
        row.authinfo_hash = hash_authinfo(u.authinfo) if u.authinfo else None
    data.update(nameservers=hosts, contacts=[list(c) for c in contacts], registrant=registrant)
    row.data, row.updated_at = data, ctx.now
    return DomainUpdated(row.name)


def application_delete(ctx: FlowContext, cmd: ApplicationDelete) -> DomainUpdated:
    row = _own_pending(ctx, cmd.name, cmd.ref, "delete")
    applications.settle(ctx, row, "rejected", "withdrawn by the registrar", notify=False)
    ctx.session.delete(row)  # RFC 8334 3.5: a deleted application is gone
    return DomainUpdated(row.name)


def _own_pending(ctx: FlowContext, name: str, ref: ApplicationRef, action: str
                 ) -> LaunchApplication:
    row = applications.get_application(ctx, name, ref.application_id, ref.phase, lock=True)
    applications.check_access(ctx, row, None)
    applications.check_pending(row, action)
    return row
