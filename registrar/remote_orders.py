"""Order items at remote registries: submitted, sent, settled, never sent twice.

A remote registry cannot join the site's transaction, so each item takes three steps:

1. one transaction records it "submitted" (with the moment) after the checks the local
   path makes (the name still free with us, still the user's...);
2. the command goes to the registry, outside any transaction;
3. another transaction records what happened: done (the name's row, its expiry), or failed
   and refunded with the registry's reason. An answer that was lost is settled at once by
   queries (``RemoteRegistry.settle``: info, transfer query), never by sending again.

A crash (or a registry that stays away) between 1 and 3 leaves the item "submitted";
``settle_stale``, run with the registrar's lifecycle, settles it by the same queries once
its own call must be over (``settle_after``), with the moment recorded in step 1 as the
send time. The order is done, and its receipt mailed, when its last item is settled.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from eppclient import CannotSettle, OutcomeUnknown
from eppclient.domain import PendingAction
from registry.errors import EppError
from registry.flows.context import FlowContext

from . import lifecycle, orders
from .backends.base import Backend, backend_for
from .backends.remote import ActionPending, RemoteRegistry
from .config import RegistrarSettings
from .contacts import Registrant, registrant_of
from .errors import Conflict, NotFound, SiteError, from_registry
from .models import SiteDomain, SiteOrder, SiteOrderItem, SiteUser
from .names import display

log = logging.getLogger("pyrar.registrar.remote_orders")
Tx = Callable[[Callable[[FlowContext], Any], str], Any]


@dataclass(frozen=True)
class Submission:
    item_id: int
    order_id: int
    operation: str
    name: str
    years: int
    cost: int
    authinfo: str | None
    submitted_at: datetime
    current_expiry: datetime | None  # a renewal's: the expiry it renews from
    backend: RemoteRegistry
    registrant: Registrant | None = None  # a create's: the user's contact, made there


@dataclass(frozen=True)
class Outcome:
    # "done", "failed", "awaiting" (the registry answered 1001: its panData will decide)
    # or "unknown" (left submitted)
    status: str
    expires: datetime | None = None
    error: str | None = None


class OrderLocks:
    """One thread of the process at a time carries out a given order. The request that
    placed it and the orders consumer (woken by the same commit) would otherwise race: the
    loser would find the item "submitted" while the winner waits for the registry, and
    answer the user before the order is settled."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[int, tuple[threading.Lock, int]] = {}

    @contextmanager
    def holding(self, order_id: int) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(order_id, (threading.Lock(), 0))
            self._locks[order_id] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[order_id]
                if users == 1:
                    del self._locks[order_id]
                else:
                    self._locks[order_id] = (lock, users - 1)


def carry_out(tx: Tx, backend: Backend, order_id: int) -> None:
    """Every pending item of the order at a remote registry, one after the other."""
    while (sub := tx(lambda ctx: _submit_next(ctx, backend, order_id),
                     "site_order_submit")) is not None:
        outcome = _send(sub)
        tx(lambda ctx, sub=sub, outcome=outcome: _record(ctx, sub, outcome),
           "site_order_settle")


def settle_stale(tx: Tx, backend: Backend, limit: int = 100) -> int:
    """Items left "submitted" by a crash or a registry away: settled by queries; how many."""
    subs = tx(lambda ctx: _stale(ctx, backend, limit), "site_order_stale")
    settled = 0
    for sub in subs:
        outcome = _settle(sub, None)
        if outcome.status != "unknown":
            tx(lambda ctx, sub=sub, outcome=outcome: _record(ctx, sub, outcome),
               "site_order_settle")
            log.info("%s of %s at %s settled after the fact: %s", sub.operation, sub.name,
                     sub.backend.name, outcome.status)
            settled += 1
    return settled


def _submit_next(ctx: FlowContext, backend: Backend, order_id: int) -> Submission | None:
    order = orders.lock_order(ctx, order_id)
    if order is None or order.status != "paid":
        return None
    user = ctx.session.get(SiteUser, order.user_id)
    items = orders.items_of(ctx, order.id)
    for item in items:
        target = backend_for(backend, ctx, item.domain)
        if item.status != "pending" or target.transactional:
            continue
        try:
            held = orders.precheck(ctx, user, item)
        except (Conflict, NotFound) as e:
            orders.refund(ctx, order, item, e.detail)
            item.secret, item.completed_at = None, ctx.now
            continue
        item.status, item.submitted_at = "submitted", ctx.now
        authinfo = item.secret if item.operation == "transfer" else orders.new_authinfo()
        return Submission(item.id, order.id, item.operation, item.domain, item.years,
                          item.cost, authinfo, ctx.now,
                          held.expires_at if held is not None else None, target,
                          registrant_of(user) if item.operation == "create" else None)
    orders.finish(ctx, order, user, items)
    return None


def _send(sub: Submission) -> Outcome:
    b, name = sub.backend, sub.name
    try:
        if sub.operation == "create":
            holder = sub.registrant
            if holder is not None:
                b.ensure_contact(holder.handle, holder.postal, holder.email, holder.voice,
                                 holder.disclose)
            return Outcome("done", b.create(None, name, sub.years, sub.authinfo, sub.cost,
                                            holder.handle if holder else None))
        if sub.operation == "renew":
            return Outcome("done", b.renew(None, name, sub.years, sub.cost))
        if sub.operation == "transfer":
            b.transfer_request(None, name, sub.authinfo or "", sub.years, sub.cost)
            return Outcome("done")
        b.restore(_Now(sub.submitted_at), name, sub.cost)
        return Outcome("done", b.info(None, name).expires_at)
    except ActionPending as e:
        log.info("%s at %s", e, b.name)
        return Outcome("awaiting")
    except OutcomeUnknown as lost:
        log.warning("%s of %s at %s: answer lost (%s); settling by info", sub.operation,
                    name, b.name, lost.cause)
        return _settle(sub, lost)
    except EppError as e:
        return Outcome("failed", error=from_registry(e).detail)


def _settle(sub: Submission, lost: OutcomeUnknown | None) -> Outcome:
    try:
        found = sub.backend.settle(sub.operation, sub.name, sub.submitted_at,
                                   current_expiry=sub.current_expiry, authinfo=sub.authinfo,
                                   # a restore is settled as its request, whichever of
                                   # request or report was lost: a report missing is sent
                                   lost=lost.command if lost and sub.operation != "restore"
                                   else None)
    except (EppError, CannotSettle) as e:
        log.warning("%s of %s at %s not settled yet: %s", sub.operation, sub.name,
                    sub.backend.name, e)
        return Outcome("unknown")
    if not found.applied:
        return Outcome("failed", error=(
            f"the registry of {sub.backend.name} did not carry out the {sub.operation} of "
            f"{display(sub.name)} (its answer was lost: {found.detail})"))
    info = found.info
    if sub.operation == "restore" and info is not None and \
            "pendingRestore" in info.rgp_statuses:
        # the request went through but its report was never sent: send it now
        try:
            info = sub.backend.report_restore(sub.name, sub.submitted_at)
        except OutcomeUnknown as e:
            log.warning("restore report of %s at %s: answer lost (%s); settled later",
                        sub.name, sub.backend.name, e.cause)
            return Outcome("unknown")
        except EppError as e:
            return Outcome("failed", error=from_registry(e).detail)
    if info is not None and PENDING_STATUS.get(sub.operation) in (
            *info.statuses, *info.rgp_statuses):
        return Outcome("awaiting")  # accepted there with 1001: its panData will decide
    return Outcome("done", info.expires_at if info else None)


def _record(ctx: FlowContext, sub: Submission, outcome: Outcome) -> None:
    order = orders.lock_order(ctx, sub.order_id)
    item = ctx.session.get(SiteOrderItem, sub.item_id)
    if order is None or item is None or item.status != "submitted" or \
            outcome.status == "unknown":
        return
    if outcome.status == "awaiting":
        item.status, item.secret = "awaiting", None
        return
    _complete(ctx, order, item, sub.backend.name, outcome)


def _complete(ctx: FlowContext, order: SiteOrder, item: SiteOrderItem, backend_name: str,
              outcome: Outcome) -> None:
    """A settled item: done (the name's row), or failed and refunded; the order finished
    with its last item."""
    user = ctx.session.get(SiteUser, order.user_id)
    if outcome.status == "done":
        held = ctx.session.scalars(select(SiteDomain).where(
            SiteDomain.name == item.domain)).first()
        orders.record(ctx, backend_name, user, item, held, outcome.expires)
        item.status = "done"
    else:
        orders.refund(ctx, order, item, outcome.error or "the registry refused it")
    item.secret, item.completed_at = None, ctx.now
    orders.finish(ctx, order, user, orders.items_of(ctx, order.id))


def pending_action(ctx: FlowContext, backend: RemoteRegistry, pending: PendingAction
                   ) -> str | None:
    """An item the registry accepted with 1001, decided by its ``<domain:panData>``: done
    (the name's row, its expiry from ``info``) or failed and refunded. None when no item
    awaits this name (the panData of something else: a deletion)."""
    name = pending.name.lower()
    item = ctx.session.scalars(select(SiteOrderItem).where(
        SiteOrderItem.domain == name, SiteOrderItem.status == "awaiting").order_by(
        SiteOrderItem.id)).first()
    if item is None:
        return None
    order = orders.lock_order(ctx, item.order_id)
    if pending.succeeded:
        expires = None if item.operation == "transfer" else backend.info(ctx, name).expires_at
        outcome = Outcome("done", expires)
    else:
        outcome = Outcome("failed", error=(
            f"the registry of {backend.name} declined the {item.operation} of "
            f"{display(name)}"))
    _complete(ctx, order, item, backend.name, outcome)
    return f"pending {item.operation} of {name}: {outcome.status}"


def _stale(ctx: FlowContext, backend: Backend, limit: int) -> list[Submission]:
    subs = []
    for item in ctx.session.scalars(select(SiteOrderItem).where(
            SiteOrderItem.status == "submitted").order_by(SiteOrderItem.id).limit(limit)):
        target = backend_for(backend, ctx, item.domain)
        if not isinstance(target, RemoteRegistry) or item.submitted_at is None or \
                item.submitted_at > ctx.now - timedelta(seconds=target.settle_after):
            continue
        held = ctx.session.scalars(select(SiteDomain).where(
            SiteDomain.name == item.domain)).first()
        subs.append(Submission(item.id, item.order_id, item.operation, item.domain,
                               item.years, item.cost, item.secret, item.submitted_at,
                               held.expires_at if held is not None else None, target))
    return subs


# what the registry's info shows while it decides on a transform it answered 1001 for
# (a transfer is pending by nature: its trnData messages carry it on)
PENDING_STATUS = {"create": "pendingCreate", "renew": "pendingRenew",
                  "restore": "pendingRestore"}


@dataclass(frozen=True)
class _Now:
    """The one thing a remote restore reads of its context: the time of its report."""

    now: datetime


def pending_orders(ctx: FlowContext) -> list[int]:
    """Paid orders with items still to send (a process died before sending them)."""
    return list(ctx.session.scalars(select(SiteOrder.id).join(
        SiteOrderItem, SiteOrderItem.order_id == SiteOrder.id).where(
        SiteOrder.status == "paid", SiteOrderItem.status == "pending").distinct()))


def auto_renew(tx: Tx, backend: Backend, settings: RegistrarSettings,
               process: Callable[[int], None], limit: int = 100) -> tuple[int, int]:
    """Names at remote registries due for renewal: each an order placed and paid in one
    transaction, then carried out like any (``process``: the core's); (renewed, failed)."""
    def due(ctx):
        return [row.id for row in lifecycle.due_for_renewal(ctx, settings, limit)
                if not backend_for(backend, ctx, row.name).transactional]

    renewed = failed = 0
    for row_id in tx(due, "site_auto_renew_due"):
        def place(ctx, row_id=row_id):
            row = ctx.session.get(SiteDomain, row_id)
            user = ctx.session.get(SiteUser, row.user_id)
            try:
                with ctx.session.begin_nested():
                    return orders.place(ctx, backend, user, [orders.CartItem("renew", row.name)],
                                        settings.markup_percent, require_verified=False).id
            except SiteError as e:
                lifecycle.renewal_failed(ctx, settings, row, user, e)
                return None
        order_id = tx(place, "site_auto_renew")
        if order_id is None:
            failed += 1
            continue
        process(order_id)

        def told(ctx, row_id=row_id, order_id=order_id):
            row = ctx.session.get(SiteDomain, row_id)
            user = ctx.session.get(SiteUser, row.user_id)
            item = orders.items_of(ctx, order_id)[0]
            if item.status == "done":
                lifecycle.renewal_done(ctx, row, user)
                return True
            if item.status == "failed":
                lifecycle.renewal_failed(ctx, settings, row, user,
                                         SiteError(item.error or "the registry refused it"))
            return False  # or still submitted: settle_stale finishes it
        if tx(told, "site_auto_renew_done"):
            renewed += 1
        else:
            failed += 1
    return renewed, failed
