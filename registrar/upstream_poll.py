"""An upstream registry's poll messages drive the site's state, each exactly once.

Every message is applied in one transaction that also writes its (upstream, msgID) row;
eppclient's ``drain`` acknowledges it only after that commit, and a message whose row
exists (its ack lost, a crash between commit and ack) is acknowledged without being applied
again. What a message says:

- a transfer (trnData): away requested (the holder is told), away done (the name leaves
  the account, the holder is mailed), in approved (the name becomes the user's) or refused
  (refunded): lifecycle.apply_transfer, as for the local registry's messages; a transfer
  in done marks the name's contacts there to be made ours (upstream_contacts.py);
- an auto-renewal by the registry (renData): charged to a holder who wants it, otherwise
  deleted back within the grace (lifecycle.registry_renewed);
- the final deletion after redemption (panData of a delete, changePoll autoPurge): the name
  leaves the account;
- anything else (changePoll changes, RFC 9038 unhandled namespaces, plain text): logged and
  kept in the message's row, never lost.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select

from eppclient import EppClient, PollMessage, drain
from eppclient.domain import parse_renewed
from eppclient.namespaces import DOMAIN
from registry.errors import EppError
from registry.flows.context import FlowContext

from . import lifecycle, remote_orders, upstream_contacts
from .backends.base import Backend
from .backends.remote import RemoteRegistry
from .config import RegistrarSettings
from .errors import SiteError
from .hosted_zones import forget
from .models import SiteDomain, SiteUpstream, SiteUpstreamMessage
from .remote_orders import Tx
from .upstreams import UpstreamSet

log = logging.getLogger("pyrar.registrar.upstream_poll")


def sync(tx: Tx, backend: Backend, upstreams: UpstreamSet, settings: RegistrarSettings
         ) -> int:
    """Drain every upstream's queue; the number of messages applied. An upstream that
    cannot be reached is logged and tried at the next round."""
    applied = 0
    for remote in tx(upstreams.backends, "site_upstreams"):
        error = None
        try:
            applied += drain_one(tx, backend, remote, settings)
        except Exception as e:  # one registry away must not stop the others
            log.warning("poll of %s failed: %s", remote.name, e)
            error = str(e) or type(e).__name__
        tx(lambda ctx, name=remote.name, error=error: polled(ctx, name, error),
           "site_upstream_polled")
    return applied


def polled(ctx: FlowContext, upstream: str, error: str | None) -> None:
    """When the queue was drained, and why not (for the console's upstreams page)."""
    row = ctx.session.scalars(select(SiteUpstream).where(
        SiteUpstream.name == upstream)).first()
    if row is not None:  # removed meanwhile
        row.polled_at, row.poll_error = ctx.now, error[:2000] if error else None


def drain_one(tx: Tx, backend: Backend, remote: RemoteRegistry,
              settings: RegistrarSettings) -> int:
    async def record(msg: PollMessage) -> None:
        await asyncio.to_thread(tx, lambda ctx: apply(ctx, backend, remote, settings, msg),
                                "site_upstream_poll")

    async def recorded(msg_id: str) -> bool:
        return await asyncio.to_thread(tx, lambda ctx: _seen(ctx, remote.name, msg_id),
                                       "site_upstream_poll_seen")

    async def work(client: EppClient) -> int:
        return await drain(client, record, recorded)

    return remote.link.call(work)


def _seen(ctx: FlowContext, upstream: str, msg_id: str) -> bool:
    return ctx.session.scalars(select(SiteUpstreamMessage.id).where(
        SiteUpstreamMessage.upstream == upstream,
        SiteUpstreamMessage.msg_id == msg_id)).first() is not None


def apply(ctx: FlowContext, backend: Backend, remote: RemoteRegistry,
          settings: RegistrarSettings, msg: PollMessage) -> None:
    """The message's effect and its row, in the caller's transaction; a message that
    cannot be applied (the name gone from the site, say) is recorded with the reason."""
    try:
        with ctx.session.begin_nested():
            summary = _effect(ctx, backend, remote, settings, msg)
    except (EppError, SiteError) as e:
        summary = f"not applied: {e}"
        log.error("%s message %s not applied: %s", remote.name, msg.id, e)
    ctx.session.add(SiteUpstreamMessage(upstream=remote.name, msg_id=msg.id,
                                        received_at=ctx.now, summary=summary[:4000]))
    ctx.session.flush()


def _effect(ctx: FlowContext, backend: Backend, remote: RemoteRegistry,
            settings: RegistrarSettings, msg: PollMessage) -> str:
    change = msg.change
    clid = remote.link.config.clid
    if (t := msg.transfer) is not None:
        expires = t.expires_at
        if expires is None and t.status in lifecycle.APPROVED and t.requested_by == clid:
            expires = remote.info(ctx, t.name).expires_at
        lifecycle.apply_transfer(ctx, clid, {
            "name": t.name.lower(), "status": t.status, "gaining": t.requested_by,
            "losing": t.action_by, "expires_at": expires.isoformat() if expires else "",
            "action_at": t.action_at.isoformat() if t.action_at else ""})
        if t.status in lifecycle.APPROVED and t.requested_by == clid:
            upstream_contacts.mark(ctx, backend, t.name.lower())  # theirs still: ours due
        return f"transfer of {t.name}: {t.status} ({t.requested_by} from {t.action_by})"
    if msg.response.data(DOMAIN, "renData") is not None:
        renewed = parse_renewed(msg.response, None)
        lifecycle.registry_renewed(ctx, backend, settings, renewed.name.lower(),
                                   renewed.expires_at)
        return f"renewed by the registry: {renewed.name} until {renewed.expires_at}"
    if (pending := msg.pending_action) is not None:
        if (decided := remote_orders.pending_action(ctx, remote, pending)) is not None:
            return decided
        purged = change is not None and change.operation == "autoPurge"
        row = ctx.session.scalars(select(SiteDomain).where(
            SiteDomain.name == pending.name.lower())).first()
        if row is not None and pending.succeeded and (purged or row.state == "redemption"):
            forget(ctx, row.name)
            ctx.session.delete(row)
            return f"{pending.name} deleted at the registry: removed"
        return f"pending action on {pending.name}: {'done' if pending.succeeded else 'failed'}"
    parts = [msg.text or ""]
    if change is not None:
        parts.append(f"registry change {change.operation} by {change.who}: {change.reason}")
    parts += [f"unhandled {v.namespace}: {v.reason}" for v in msg.unhandled]
    text = "; ".join(p for p in parts if p)
    log.info("%s message %s: %s", remote.name, msg.id, text)
    return text or "(no content)"
