"""A registered name's variant bundle: the names of its TLD that share its variant key
(registry/idn.py), allocatable variants of each other, held by one sponsor and one
registrant (registry/flows/variants.py refuses a create that would split them).

The bundle's primary is its oldest name (created first; the lowest id among equals); the
others are its allocated variants. A transfer keeps the bundle whole (docs/epp.md, "Variant
bundles and transfers"): a transfer request on a variant is refused naming the primary,
and the approval of a transfer (by the losing registrar or the registry) moves, with the
name transferred, every name of its bundle the losing registrar sponsors. A registrant
change keeps it whole likewise (registry/flows/bundle_registrant.py).
"""

from __future__ import annotations

from sqlalchemy import select

from .flows.context import FlowContext
from .models import Domain


def members(ctx: FlowContext, domain: Domain, *, sponsor_id: int | None = None,
            lock: bool = False) -> list[Domain]:
    """The bundle's other names, oldest first (none for a name without a variant key);
    ``sponsor_id``: only those it sponsors. ``lock``: for update (they are about to move);
    as a locking read, it sees what committed since the transaction began."""
    if domain.variant_key is None:
        return []
    stmt = select(Domain).where(
        Domain.tld_id == domain.tld_id, Domain.variant_key == domain.variant_key,
        Domain.id != domain.id).order_by(Domain.created_at, Domain.id)
    if sponsor_id is not None:
        stmt = stmt.where(Domain.sponsor_id == sponsor_id)
    return list(ctx.session.scalars(stmt.with_for_update() if lock else stmt))


def primary(domain: Domain, others: list[Domain]) -> Domain:
    """The bundle's primary: its oldest name (``domain`` itself without others)."""
    return min([domain, *others], key=lambda d: (d.created_at, d.id))
