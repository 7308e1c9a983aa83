"""A variant bundle keeps one registrant (docs/epp.md, "IDN tables and variants", 6),
as it keeps one sponsor across transfers (registry/flows/domain_transfer.py): a registrant
change on the bundle's primary carries to its allocated variants in the same transaction;
one asked on an allocated variant alone is refused (2305) naming the primary."""

from __future__ import annotations

from .. import history, lifecycle, outbox, variant_bundles
from ..errors import AssociationProhibitsOperation
from ..models import Contact, Domain
from ..poll import enqueue
from .context import FlowContext
from .lookup import refuse_pending_delete, refuse_statuses
from .pending import refuse_pending_transfer

POLL_KIND = "domain_variant_registrant"


def registrant_followers(ctx: FlowContext, domain: Domain, before: int | None,
                         after: Contact | None) -> list[Domain]:
    """The allocated variants whose registrant changes with ``domain``'s from ``before``
    (a contact id) to ``after``: those of its bundle its sponsor holds, locked, settled,
    when ``domain`` is the primary (2304 naming the first that may not change: pending
    deletion, an update lock; 2300 a pending transfer). On a variant the change is refused
    (2305), unless it gives the variant the primary's registrant again (a bundle split
    before this rule, as the transfer rule lets a split variant join its primary)."""
    after_id = after.id if after is not None else None
    if after_id == before or domain.variant_key is None:
        return []
    others = lifecycle.settled(ctx, variant_bundles.members(ctx, domain, lock=True))
    first = variant_bundles.primary(domain, others)
    if first is not domain:
        if first.registrant_id is not None and first.registrant_id == after_id:
            return []
        raise AssociationProhibitsOperation(
            f"{domain.name} is an allocated variant of {first.name}: a variant bundle keeps "
            f"one registrant, changed with an update of {first.name}", value=domain.name)
    followers = [v for v in others if v.sponsor_id == domain.sponsor_id]
    prohibited = ("clientUpdateProhibited",) if ctx.actor.is_privileged else \
        ("clientUpdateProhibited", "serverUpdateProhibited")
    for variant in followers:
        what = f"variant {variant.name} of {domain.name}"
        refuse_pending_delete(variant, what)
        refuse_statuses(variant.statuses, prohibited, what, "change registrant with it")
        refuse_pending_transfer(ctx, "domain", variant)
    return followers


def carry_registrant(ctx: FlowContext, primary: Domain, followers: list[Domain]) -> None:
    """Give each follower the primary's registrant, with a history entry, a publication
    and a poll message to its sponsor (a change it did not ask for on that name)."""
    handle = primary.registrant.handle if primary.registrant is not None else None
    tld = ctx.tld_of(primary).name
    for variant in followers:
        variant.registrant = primary.registrant
        variant.updated_at, variant.updater_id = ctx.now, ctx.actor.registrar_id
        history.record(ctx, variant,
                       reason=f"variant of {primary.name}, registrant changed with it")
        outbox.publish(ctx, tld, variant.name)
        now = f"now {handle}" if handle else "now none"
        enqueue(ctx, variant.sponsor_id, POLL_KIND,
                f"Registrant of {variant.name} changed with {primary.name}, the primary of "
                f"its variant bundle: {now}",
                {"name": variant.name, "primary": primary.name, "registrant": handle})
