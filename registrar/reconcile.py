"""Reconciliation: the site's names held at an upstream against the registry's ``info``.

The site keeps of a remote name only whose it is, its state and its expiry; statuses, name
servers and DS are read from the registry each time a page shows them, so they cannot drift.
What can: an expiry (a renewal or auto-renewal whose message was missed), a name no longer
ours (transferred away, deleted) or gone, a name in redemption at the registry but active
with us. Each is reported, and so is a name transferred in whose contacts there could not
be made ours yet (upstream_contacts.py keeps trying); with ``repair`` the site's record is
brought in line (a name gone from us leaves the account and its holder is mailed)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from registry.errors import AuthorizationError, EppError, ObjectDoesNotExist

from . import mail
from .errors import NotFound, SiteError
from .hosted_zones import forget
from .models import SiteDomain, SiteUser
from .names import display
from .remote_orders import Tx
from .upstreams import UpstreamSet

log = logging.getLogger("pyrar.registrar.reconcile")


class Reconciler:
    """Every upstream reconciled and repaired every ``every_hours`` (the first time when the
    site starts), each drift logged."""

    def __init__(self, every_hours: float) -> None:
        self.every = every_hours * 3600
        self._next = 0.0

    def run_if_due(self, tx: Tx, upstreams: UpstreamSet) -> int:
        """The number of drifts found (and repaired)."""
        if time.monotonic() < self._next:
            return 0
        self._next = time.monotonic() + self.every
        drifts = 0
        for name in tx(lambda ctx: [b.name for b in upstreams.backends(ctx)],
                       "site_upstreams"):
            try:
                lines = reconcile(tx, upstreams, name, repair=True)
            except (EppError, SiteError) as e:
                log.warning("reconciliation with %s failed: %s", name, e)
                continue
            for line in lines:
                log.warning("reconciliation with %s: %s", name, line)
            drifts += len(lines)
        return drifts


@dataclass(frozen=True)
class Held:
    id: int
    name: str
    state: str
    expires_at: datetime
    contacts_error: str | None = None  # upstream_contacts.py: retried there, reported here


def reconcile(tx: Tx, upstreams: UpstreamSet, upstream: str, *, repair: bool = False
              ) -> list[str]:
    """One line per drift found (and repaired, with ``repair``)."""
    def rows(ctx):
        return [Held(r.id, r.name, r.state, r.expires_at, r.contacts_error)
                for r in ctx.session.scalars(select(SiteDomain).where(
                    SiteDomain.backend == upstream).order_by(SiteDomain.name))]

    held = tx(rows, "site_reconcile")
    remote = tx(lambda ctx: next((b for b in upstreams.backends(ctx) if b.name == upstream),
                                 None), "site_reconcile")
    if remote is None:
        raise NotFound(f"no upstream {upstream}")
    lines = []
    for h in held:
        if h.state == "transfer_pending":
            continue  # not ours yet: the transfer's message settles it
        if h.contacts_error:
            lines.append(f"{display(h.name)}: the previous registrar's contacts are still on "
                         f"it (ours are tried again: {h.contacts_error})")
        try:
            info = remote.info(None, h.name)
        except ObjectDoesNotExist:
            lines.append(_fix(tx, h, "gone", "no longer exists at the registry", repair))
            continue
        except AuthorizationError:  # registries show a name to its sponsor only
            lines.append(_fix(tx, h, "gone", "sponsored by another registrar now", repair))
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
