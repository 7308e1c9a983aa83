"""Recording every mutation: who, when, which command, the transaction ids and a snapshot."""

from __future__ import annotations

from .domain_parts import DomainParts
from .driver_statements import DriverInsert
from .flows.context import FlowContext
from .models import Contact, Domain, HistoryEntry, Host
from .views import contact_info, domain_info, host_info, snapshot

# Straight on the cursor, as the outbox's: history is written once and never read back in a
# command.
_INSERT = DriverInsert(HistoryEntry.__table__)


def record(ctx: FlowContext, obj: Domain | Host | Contact, *, command: str | None = None,
           reason: str = "", deleted: bool = False, parts: DomainParts | None = None) -> None:
    """Snapshot ``obj`` after the change (or as it was, for ``deleted`` objects); a
    domain's ``parts``, when the caller knows them, are not read again."""
    ctx.session.flush()
    if isinstance(obj, Domain):
        kind, name, info = "domain", obj.name, domain_info(ctx, obj, parts)
    elif isinstance(obj, Host):
        kind, name, info = "host", obj.name, host_info(ctx, obj)
    else:
        kind, name, info = "contact", obj.handle, contact_info(ctx, obj)
    data = snapshot(info)
    if deleted:
        data["deleted"] = True
    _INSERT.add(ctx.session, {
        "at": ctx.now, "object_type": kind, "object_id": obj.id, "object_name": name,
        "command": command or ctx.command, "actor": ctx.actor.name,
        "registrar_id": ctx.actor.registrar_id, "cltrid": ctx.trid.cltrid,
        "svtrid": ctx.trid.svtrid or None, "reason": reason, "snapshot": data})
