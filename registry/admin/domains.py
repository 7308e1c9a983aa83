"""Operating domains: find them, read them with their history, and act on them as the
registry's staff (server statuses, restore) through the same flows EPP runs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, select

from ..errors import EppError, ParameterRangeError, ParameterSyntaxError, StatusProhibitsOperation
from ..flows.context import FlowContext
from ..flows.dispatch import run_in
from ..flows.domain_info import DomainInfoQuery
from ..flows.domain_restore import DomainRestoreReport, DomainRestoreRequest
from ..flows.domain_update import DomainUpdate
from ..flows.statuses import DOMAIN_STATUSES
from ..models import STATES, Domain, HistoryEntry, Registrar, Tld
from ..names import lookup_name
from ..views import DomainInfo, snapshot

MAX_LIST = 500
SERVER_STATUSES = tuple(f"server{k}" for k in DOMAIN_STATUSES)


@dataclass(frozen=True)
class DomainRow:
    name: str
    tld: str
    sponsor: str
    state: str
    statuses: tuple[str, ...]
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class HistoryView:
    id: int
    at: datetime
    command: str
    actor: str
    cltrid: str | None
    svtrid: str | None
    reason: str
    snapshot: dict


def search(ctx: FlowContext, *, name: str | None = None, registrar: str | None = None,
           status: str | None = None, names: tuple[str, ...] | None = None,
           limit: int = 100) -> list[DomainRow]:
    """Names containing ``name`` (A- or U-labels), of a sponsor, in a lifecycle state or
    holding an EPP status (``serverHold``); ``names``: only these (a site user's)."""
    if not 1 <= limit <= MAX_LIST:
        raise ParameterRangeError(f"limit must be between 1 and {MAX_LIST}")
    stmt = (select(Domain.name, Tld.name, Registrar.clid, Domain.state, Domain.statuses,
                   Domain.created_at, Domain.expires_at)
            .join(Tld, Tld.id == Domain.tld_id).join(Registrar, Registrar.id == Domain.sponsor_id)
            .order_by(Domain.name).limit(limit))
    if name:
        stmt = stmt.where(Domain.name.contains(_ascii_fragment(name), autoescape=True))
    if registrar:
        stmt = stmt.where(Registrar.clid == registrar)
    if status:
        if status in STATES:
            stmt = stmt.where(Domain.state == status)
        elif status.removeprefix("client").removeprefix("server") in DOMAIN_STATUSES:
            # the statuses are a JSON list of names: the quoted name is in its text
            stmt = stmt.where(cast(Domain.statuses, String).contains(
                json.dumps(status), autoescape=True))
        else:
            raise ParameterSyntaxError(f"unknown status {status!r}: a state "
                                       f"({', '.join(STATES)}) or an EPP status")
    if names is not None:
        if not names:
            return []
        stmt = stmt.where(Domain.name.in_(names))
    return [DomainRow(n, t, c, s, tuple(st or ()), cr, ex)
            for n, t, c, s, st, cr, ex in ctx.session.execute(stmt)]


def _ascii_fragment(text: str) -> str:
    text = text.strip().lower().rstrip(".")
    if text.isascii():
        return text
    try:  # a whole name in U-labels; a fragment of one is searched as typed
        return lookup_name(text)
    except EppError:
        return text


def info(ctx: FlowContext, name: str) -> DomainInfo:
    return run_in(ctx, DomainInfoQuery(name))


def history(ctx: FlowContext, name: str, limit: int = 100) -> list[HistoryView]:
    rows = ctx.session.scalars(select(HistoryEntry).where(
        HistoryEntry.object_type == "domain", HistoryEntry.object_name == name)
        .order_by(HistoryEntry.id.desc()).limit(limit))
    return [HistoryView(h.id, h.at, h.command, h.actor, h.cltrid, h.svtrid, h.reason,
                        h.snapshot) for h in rows]


def domain_snapshot(ctx: FlowContext, name: str) -> dict[str, Any]:
    return snapshot(info(ctx, name))


def set_server_statuses(ctx: FlowContext, name: str, add: tuple[str, ...],
                        remove: tuple[str, ...]) -> None:
    """Server locks and holds: domain:update as the registry (a hold takes the name out of
    DNS through the update's own dns.changed event)."""
    for status in (*add, *remove):
        if status not in SERVER_STATUSES:
            raise ParameterSyntaxError(f"{status!r} is not a server status; one of "
                                       f"{', '.join(SERVER_STATUSES)}")
    run_in(ctx, DomainUpdate(name, add_statuses=add, rem_statuses=remove))


def restore(ctx: FlowContext, name: str, reason: str) -> None:
    """Restore a name in redemption for its sponsor (charged the restore fee, as its own
    request would be), with the report the TLD may require made by the registry."""
    result = run_in(ctx, DomainRestoreRequest(name))
    if result.rgp_status != "pendingRestore":
        return
    domain = ctx.session.scalars(select(Domain).where(Domain.name == result.name)).one()
    if domain.deleted_at is None:
        raise StatusProhibitsOperation(f"domain {name} has no deletion time to report")
    run_in(ctx, DomainRestoreReport(
        result.name, pre_data="restored by the registry", post_data="restored by the registry",
        deleted_at=domain.deleted_at, restored_at=ctx.now, reason=reason,
        statements=("Restored by the registry operator.",)))
