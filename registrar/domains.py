"""Managing the names a user holds: name servers (with glue hosts under the name), DS
records, the four client locks, the auth code, auto-renew, transfers away, release.

Every change is the registry's own command run by the backend, in the caller's transaction;
a refusal (a lock set, a bad record) leaves nothing behind."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from registry.errors import EppError, ObjectDoesNotExist, ObjectExists
from registry.flows.context import FlowContext
from registry.names import normalize_host_name
from registry.values import DsData, HostAddress
from registry.views import DomainInfo

from .backends.base import Backend, DomainChange
from .errors import Conflict, InvalidInput, NotFound
from .hosted_zones import forget
from .models import SiteDomain
from .names import display, to_ascii_name
from .orders import new_authinfo

LOCKS = {"delete": "clientDeleteProhibited", "transfer": "clientTransferProhibited",
         "update": "clientUpdateProhibited", "renew": "clientRenewProhibited"}
MAX_NAMESERVERS = 13


@dataclass(frozen=True)
class DomainSummary:
    name: str
    unicode_name: str
    state: str
    expires_at: datetime
    auto_renew: bool


@dataclass(frozen=True)
class DomainDetail:
    name: str
    unicode_name: str
    state: str
    created_at: datetime
    expires_at: datetime
    auto_renew: bool
    statuses: tuple[str, ...]
    locks: dict[str, bool]
    nameservers: tuple[str, ...]
    ds: tuple[DsData, ...]
    has_auth_code: bool


def held(ctx: FlowContext, user_id: int, name: object, *, lock: bool = False) -> SiteDomain:
    ascii_name = to_ascii_name(name)
    stmt = select(SiteDomain).where(SiteDomain.name == ascii_name)
    row = ctx.session.scalars(stmt.with_for_update() if lock else stmt).first()
    if row is None or row.user_id != user_id:
        raise NotFound(f"you hold no name {display(ascii_name)}")
    return row


def summaries(ctx: FlowContext, user_id: int) -> list[DomainSummary]:
    rows = ctx.session.scalars(select(SiteDomain).where(SiteDomain.user_id == user_id)
                               .order_by(SiteDomain.name))
    return [DomainSummary(d.name, display(d.name), d.state, d.expires_at, d.auto_renew)
            for d in rows]


def detail(ctx: FlowContext, backend: Backend, user_id: int, name: object) -> DomainDetail:
    row = held(ctx, user_id, name)
    info = backend.info(ctx, row.name)
    return DomainDetail(
        row.name, display(row.name), row.state, info.created_at, info.expires_at,
        row.auto_renew, info.statuses,
        {lock: status in info.statuses for lock, status in LOCKS.items()},
        info.nameservers, info.ds_data, info.has_authinfo)


def set_nameservers(ctx: FlowContext, backend: Backend, user_id: int, name: object,
                    servers: object) -> None:
    """The name's name servers become ``servers``: [{"name": host, "addresses": [ip...]}];
    addresses only (and then required) for glue hosts under the name itself."""
    row = held(ctx, user_id, name, lock=True)
    current = set(backend.info(ctx, row.name).nameservers)
    wanted = _parse_servers(row.name, servers, current)
    for host, addresses in wanted.items():
        if host not in current:
            _ensure_host(ctx, backend, host, addresses)
    backend.update(ctx, DomainChange(
        row.name, add_nameservers=tuple(h for h in wanted if h not in current),
        rem_nameservers=tuple(sorted(current - set(wanted)))))


def _parse_servers(domain: str, servers: object, current: set[str]
                   ) -> dict[str, tuple[HostAddress, ...]]:
    """A glue host the name already uses may come without its addresses (it is kept as
    it is: a page that cannot show them can still send the list back)."""
    if not isinstance(servers, list) or len(servers) > MAX_NAMESERVERS:
        raise InvalidInput(f"nameservers must be a list of at most {MAX_NAMESERVERS}",
                           field="nameservers")
    out: dict[str, tuple[HostAddress, ...]] = {}
    for server in servers:
        if isinstance(server, str):
            server = {"name": server}
        if not isinstance(server, dict) or not isinstance(server.get("name"), str):
            raise InvalidInput("each name server is {\"name\": host, \"addresses\": [...]}",
                               field="nameservers")
        try:
            host = normalize_host_name(to_ascii_name(server["name"]))
        except EppError as e:
            raise InvalidInput(e.reason, field="nameservers") from None
        addresses = server.get("addresses") or []
        glue = host.endswith("." + domain)
        if not isinstance(addresses, list) or (addresses and not glue):
            raise InvalidInput(f"{host}: addresses are only given for hosts under {domain}",
                               field="nameservers")
        if glue and not addresses and host not in current:
            raise InvalidInput(f"{host} is under {domain}: give its IP addresses (glue)",
                               field="nameservers")
        out[host] = tuple(_address(a) for a in addresses)
    return out


def _address(text: object) -> HostAddress:
    try:
        ip = ipaddress.ip_address(text if isinstance(text, str) else "")
    except ValueError:
        raise InvalidInput(f"{str(text)[:60]!r} is not an IP address",
                           field="nameservers") from None
    return HostAddress(str(ip), f"v{ip.version}")


def _ensure_host(ctx: FlowContext, backend: Backend, host: str,
                 addresses: tuple[HostAddress, ...]) -> None:
    """The host object the registry needs before it can delegate to it; one that exists
    (ours or another registrar's) is used as it is."""
    try:
        with ctx.session.begin_nested():
            backend.create_host(ctx, host, addresses)
    except ObjectExists:
        pass


def set_locks(ctx: FlowContext, backend: Backend, user_id: int, name: object,
              locks: object) -> None:
    row = held(ctx, user_id, name, lock=True)
    if not isinstance(locks, dict) or not locks or not set(locks) <= set(LOCKS) or not all(
            isinstance(v, bool) for v in locks.values()):
        raise InvalidInput(f"locks is an object of {', '.join(LOCKS)}: true or false",
                           field="locks")
    statuses = set(backend.info(ctx, row.name).statuses)
    add = tuple(LOCKS[k] for k, on in locks.items() if on and LOCKS[k] not in statuses)
    rem = tuple(LOCKS[k] for k, on in locks.items() if not on and LOCKS[k] in statuses)
    if add or rem:
        backend.update(ctx, DomainChange(row.name, add_statuses=add, rem_statuses=rem))


def change_ds(ctx: FlowContext, backend: Backend, user_id: int, name: object,
              add: object, remove: object) -> None:
    row = held(ctx, user_id, name, lock=True)
    backend.update(ctx, DomainChange(row.name, ds_add=_ds_list(add, "add"),
                                     ds_rem=_ds_list(remove, "remove")))


def _ds_list(records: object, field: str) -> tuple[DsData, ...]:
    if records is None:
        return ()
    if not isinstance(records, list) or len(records) > 16:
        raise InvalidInput(f"{field} must be a list of DS records", field=field)
    out = []
    for r in records:
        if not isinstance(r, dict):
            raise InvalidInput("a DS record is {key_tag, algorithm, digest_type, digest}",
                               field=field)
        values = [r.get(k) for k in ("key_tag", "algorithm", "digest_type")]
        digest = r.get("digest")
        if not all(type(v) is int and 0 <= v <= 65535 for v in values) or not isinstance(
                digest, str) or not digest or len(digest) > 256:
            raise InvalidInput("a DS record is {key_tag, algorithm, digest_type: integers, "
                               "digest: hex}", field=field)
        out.append(DsData(*values, digest.strip().upper()))
    return tuple(out)


def reset_auth_code(ctx: FlowContext, backend: Backend, user_id: int, name: object) -> str:
    """A new random auth code, set at the registry and shown once (it is stored hashed)."""
    row = held(ctx, user_id, name, lock=True)
    code = new_authinfo()
    backend.update(ctx, DomainChange(row.name, authinfo=code))
    return code


def set_auto_renew(ctx: FlowContext, backend: Backend, user_id: int, name: object,
                   on: object) -> None:
    """Refused for a name deleted at the registry (redemption or pending delete): there is
    nothing to renew until it is restored, and a flag changed then would mislead the holder.
    The registry is asked too, since our state may not have caught up with it yet."""
    if not isinstance(on, bool):
        raise InvalidInput("auto_renew is true or false", field="auto_renew")
    row = held(ctx, user_id, name, lock=True)
    if row.state == "redemption" or being_deleted(backend.info(ctx, row.name)):
        raise Conflict(f"{display(row.name)} is deleted at the registry (redemption): "
                       "auto-renew does not apply; restore the name first", field="auto_renew")
    row.auto_renew = on


def being_deleted(info: DomainInfo) -> bool:
    """Deleted at the registry, restorable or waiting to be purged (RFC 3915)."""
    return "pendingDelete" in info.statuses or bool(
        {"redemptionPeriod", "pendingDelete"} & set(info.rgp_statuses))


def answer_transfer(ctx: FlowContext, backend: Backend, user_id: int, name: object,
                    approve: object) -> None:
    """Approve (the name leaves the account) or reject a transfer away."""
    if not isinstance(approve, bool):
        raise InvalidInput("approve is true or false", field="approve")
    row = held(ctx, user_id, name, lock=True)
    backend.transfer_answer(ctx, row.name, approve)
    if approve:
        forget(ctx, row.name)
        ctx.session.delete(row)


def release(ctx: FlowContext, backend: Backend, user_id: int, name: object) -> None:
    """Delete the name at the registry (its grace and redemption periods apply there). A
    name the registry keeps in redemption stays the user's, to restore, until purged."""
    row = held(ctx, user_id, name, lock=True)
    info = backend.info(ctx, row.name)
    if info.subordinate_hosts:  # the registry keeps no name with hosts under it
        glue = tuple(h for h in info.nameservers if h in info.subordinate_hosts)
        if glue:
            backend.update(ctx, DomainChange(row.name, rem_nameservers=glue))
        for host in info.subordinate_hosts:
            backend.delete_host(ctx, host)  # refused while other names delegate to it
    backend.delete(ctx, row.name)
    forget(ctx, row.name)
    try:  # in its add grace the name is gone at once; else restorable for a while
        redemption = "redemptionPeriod" in backend.info(ctx, row.name).rgp_statuses
    except ObjectDoesNotExist:
        redemption = False
    if redemption:
        row.state = "redemption"    # the holder may restore it from its page
    else:
        ctx.session.delete(row)


