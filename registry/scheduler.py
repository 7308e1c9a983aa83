"""The lifecycle scheduler: settle every domain and contact with an event due, one transaction
each. A domain whose settling fails (an EppError) is logged, counted in the report's
``failed`` and left for the next run, holding back no other; a contact's settling (approving
a due transfer) has no such failure. Any other error (the database gone) ends the run."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from . import commit, lifecycle
from .errors import EppError
from .flows.context import Actor, FlowContext
from .flows.lookup import locking
from .models import Contact, Domain
from .service import Registry

log = logging.getLogger(__name__)
# Commit receipts matter for the seconds after a failed COMMIT (registry.commit); an hour
# leaves room for any settle, however slow.
RECEIPTS_KEPT_SECONDS = 3600


@dataclass(frozen=True)
class Report:
    domains: int
    contacts: int
    pruned: int
    failed: int = 0
    receipts: int = 0


def run_due(registry: Registry, batch: int = 500) -> Report:
    system = Actor.system()
    domains = contacts = failed = 0
    seen: set[int] = set()  # settled (or failed) in this run: still due means stuck, skip it
    while True:
        due = registry.run(lambda ctx: lifecycle.due_domains(ctx, batch + len(seen)), system)
        ids = [i for i in due if i not in seen]
        if not ids:
            break
        for domain_id in ids[:batch]:
            seen.add(domain_id)
            try:
                registry.run(lambda ctx, i=domain_id: _settle_domain(ctx, i), system,
                             "lifecycle")
                domains += 1
            except EppError as e:
                log.error("lifecycle of domain %s failed: %s", domain_id, e.reason)
                failed += 1
    for contact_id in registry.run(lambda ctx: lifecycle.due_contact_transfers(ctx, 100_000),
                                   system):
        registry.run(lambda ctx, i=contact_id: _settle_contact(ctx, i), system, "lifecycle")
        contacts += 1
    pruned = registry.run(lifecycle.prune_expired_grace, system)
    receipts = registry.run(lambda ctx: commit.prune(ctx.session, RECEIPTS_KEPT_SECONDS), system)
    return Report(domains, contacts, pruned, failed, receipts)


def _settle_domain(ctx: FlowContext, domain_id: int) -> None:
    domain = ctx.session.scalars(locking(select(Domain).where(Domain.id == domain_id))).first()
    if domain is not None:
        lifecycle.settle(ctx, domain)


def _settle_contact(ctx: FlowContext, contact_id: int) -> None:
    contact = ctx.session.scalars(
        select(Contact).where(Contact.id == contact_id).with_for_update()).first()
    if contact is not None:
        lifecycle.settle_contact(ctx, contact)
