"""Reconciliation: the site's names held at an upstream against the registry's ``info``.

The site keeps of a remote name only whose it is, its state and its expiry; statuses, name
servers and DS are read from the registry each time a page shows them, so they cannot drift.
What can: an expiry (a renewal or auto-renewal whose message was missed), a name no longer
ours (transferred away, deleted) or gone, a name in redemption at the registry but active
with us. Each is reported; with ``repair`` the site's record is brought in line (a name
gone from us leaves the account and its holder is mailed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from registry.errors import ObjectDoesNotExist

from . import mail
from .errors import NotFound
from .hosted_zones import forget
from .models import SiteDomain, SiteUser
from .names import display
from .remote_orders import Tx
from .upstreams import UpstreamSet


@dataclass(frozen=True)
class Held:
    id: int
    name: str
    state: str
    expires_at: datetime


def reconcile(tx: Tx, upstreams: UpstreamSet, upstream: str, *, repair: bool = False
              ) -> list[str]:
    """One line per drift found (and repaired, with ``repair``)."""
    def rows(ctx):
        return [Held(r.id, r.name, r.state, r.expires_at) for r in ctx.session.scalars(
            select(SiteDomain).where(SiteDomain.backend == upstream).order_by(SiteDomain.name))]

    held = tx(rows, "site_reconcile")
    remote = tx(lambda ctx: next((b for b in upstreams.backends(ctx) if b.name == upstream),
                                 None), "site_reconcile")
    if remote is None:
        raise NotFound(f"no upstream {upstream}")
    lines = []
    for h in held:
        if h.state == "transfer_pending":
            continue  # not ours yet: the transfer's message settles it
        try:
            info = remote.info(None, h.name)
        except ObjectDoesNotExist:
            lines.append(_fix(tx, h, "gone", "no longer exists at the registry", repair))
            continue
        if info.sponsor != remote.link.config.clid:
            lines.append(_fix(tx, h, "gone", f"sponsored by {info.sponsor} now", repair))
        elif info.expires_at != h.expires_at:
            lines.append(_fix(tx, h, "expiry", f"expires {info.expires_at:%Y-%m-%d %H:%M} "
                                  f"there, {h.expires_at:%Y-%m-%d %H:%M} here", repair,
                              info.expires_at))
        elif "redemptionPeriod" in info.rgp_statuses and h.state == "active":
            lines.append(_fix(tx, h, "redemption", "in redemption there, active here", repair))
    return lines


def _fix(tx: Tx, h: Held, kind: str, what: str, repair: bool,
         expires: datetime | None = None) -> str:
    if repair:
        def work(ctx):
            row = ctx.session.get(SiteDomain, h.id)
            if row is None:
                return
            if kind == "gone":
                user = ctx.session.get(SiteUser, row.user_id)
                forget(ctx, row.name)
                ctx.session.delete(row)
                mail.send(ctx, user, "transfer_out", name=display(row.name))
            elif kind == "expiry":
                row.expires_at = expires
            else:
                row.state = "redemption"
        tx(work, "site_reconcile_repair")
    return f"{display(h.name)}: {what}" + (" (repaired)" if repair else "")
