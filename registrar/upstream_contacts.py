"""A name transferred in through an upstream gets our contacts there.

The registry keeps the losing registrar's contacts on a name it transferred: ours are set
as a create of ours would send them, by the upstream's policy (``pyrar upstream add
--contacts``): the user's registrant contact (made there or brought up to date, as for a
create) as registrant, and as admin and tech for ``all``; nothing for ``none``.

Recorded before it is done, as remote order items are: the transaction applying the poll
message that makes the name the user's also marks its row ``contacts_due_at`` (``mark``);
``adopt_due``, run with the registrar's lifecycle, does the EPP work outside any
transaction, then clears the mark. A crash in between leaves the mark, and doing it again
is harmless: the name's ``info`` is read first and only what differs is sent
(``RemoteRegistry.adopt_contacts``), so it is neither lost nor sent twice. A failure is
logged, kept on the row for the operators (``contacts_error``), mailed to the user once
when it needs them or the registry refused, and tried again ``RETRY`` later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from eppclient import OutcomeUnknown
from registry.errors import EppError
from registry.flows.context import FlowContext

from . import mail
from .backends.base import Backend, backend_for
from .backends.remote import UNREACHABLE, RemoteRegistry
from .contacts import Registrant, registrant_of
from .errors import from_registry
from .models import SiteDomain, SiteUser
from .names import display
from .remote_orders import Tx

log = logging.getLogger("pyrar.registrar.upstream_contacts")
RETRY = timedelta(minutes=10)


@dataclass(frozen=True)
class Job:
    row_id: int
    user_id: int
    name: str
    remote: RemoteRegistry
    registrant: Registrant | None


@dataclass(frozen=True)
class Failure:
    reason: str
    tell_user: bool  # not for a registry away or an answer lost: tried again quietly


def mark(ctx: FlowContext, backend: Backend, name: str) -> None:
    """``name`` came to us from another registrar: its contacts are due at the upstream
    selling it (by its TLD: not necessarily the one whose queue told us, when two share an
    account at the registry)."""
    target = backend_for(backend, ctx, name)
    if not isinstance(target, RemoteRegistry) or target.upstream.contacts == "none":
        return
    row = ctx.session.scalars(select(SiteDomain).where(SiteDomain.name == name)).first()
    if row is not None and row.state == "active" and row.backend == target.name:
        row.contacts_due_at, row.contacts_error = ctx.now, None


def adopt_due(tx: Tx, backend: Backend, limit: int = 100) -> int:
    """The names whose contacts are due, each set at its upstream; how many were."""
    done = 0
    for job in tx(lambda ctx: _due(ctx, backend, limit), "site_contacts_due"):
        failure = _adopt(job)
        tx(lambda ctx, job=job, failure=failure: _record(ctx, job, failure),
           "site_contacts_set")
        done += failure is None
    return done


def _due(ctx: FlowContext, backend: Backend, limit: int) -> list[Job]:
    jobs = []
    for row in ctx.session.scalars(select(SiteDomain).where(
            SiteDomain.contacts_due_at <= ctx.now).order_by(SiteDomain.contacts_due_at)
            .limit(limit)):
        target = backend_for(backend, ctx, row.name)
        if not isinstance(target, RemoteRegistry) or target.name != row.backend:
            row.contacts_due_at = None  # its upstream was removed: nothing to set there
            continue
        user = ctx.session.get(SiteUser, row.user_id)
        jobs.append(Job(row.id, row.user_id, row.name, target, registrant_of(user)))
    return jobs


def _adopt(job: Job) -> Failure | None:
    holder, remote = job.registrant, job.remote
    if remote.upstream.contacts == "none":
        return None
    if holder is None:
        return Failure("we have no registrant details of yours to set there: give them on "
                       "your account page and we set them", True)
    try:
        remote.ensure_contact(holder.handle, holder.postal, holder.email, holder.voice,
                              holder.disclose)
        remote.adopt_contacts(job.name, holder.handle)
    except OutcomeUnknown as e:
        return Failure(f"the registry's answer was lost ({e.cause}); tried again", False)
    except EppError as e:
        return Failure(from_registry(e).detail, e.code != UNREACHABLE)
    return None


def _record(ctx: FlowContext, job: Job, failure: Failure | None) -> None:
    row = ctx.session.get(SiteDomain, job.row_id)
    if row is None or row.contacts_due_at is None or row.user_id != job.user_id:
        return  # gone, or given to another user meanwhile: done again for the new holder
    name = display(row.name)
    if failure is None:
        log.info("%s: our contacts set at %s after its transfer in", name, job.remote.name)
        row.contacts_due_at = row.contacts_error = None
        return
    log.warning("%s: our contacts not set at %s after its transfer in: %s", name,
                job.remote.name, failure.reason)
    if failure.tell_user and row.contacts_error is None:  # told once, not at every try
        mail.send(ctx, ctx.session.get(SiteUser, row.user_id), "transfer_contacts_failed",
                  name=name, reason=failure.reason)
    row.contacts_error = f"{job.remote.name}: {failure.reason}"[:2000]
    row.contacts_due_at = ctx.now + RETRY
