"""IDN policy of a name to register: the TLD's IDN tables (or one script per label) and
the variants of names already registered (registry/idn.py has the rules)."""

from __future__ import annotations

import idna
from sqlalchemy import select

from .. import idn
from ..models import Domain, Tld
from ..names import DomainName
from .context import FlowContext


def idn_tables(ctx: FlowContext, tld: Tld) -> tuple[idn.Table, ...]:
    """The TLD's tables: from the policy cache (every create asks, most TLDs have none),
    once per command where the cache keeps nothing (a check of many names asks often)."""
    loaded = ctx.prefetched.setdefault("idn_tables", {})
    if tld.id not in loaded:
        loaded[tld.id] = ctx.policy.idn_tables(ctx.session, tld.id)
    return loaded[tld.id]


def check_idn_label(ctx: FlowContext, tld: Tld, name: DomainName) -> None:
    """An IDN label must be written with one of the TLD's tables (one script), or, where
    the TLD has none, in one script. Emoji labels (not IDNA2008) are the emoji policy's."""
    ulabel = _ulabel(name.label)
    if ulabel is None:
        return
    tables = idn_tables(ctx, tld)
    if tables:
        idn.table_for(ulabel, name.label, tld.name, tables)
    else:
        idn.check_one_script(ulabel, name.label)


def variant_conflict(ctx: FlowContext, tld: Tld, name: DomainName, sponsor_id: int | None
                     ) -> tuple[str | None, str | None]:
    """The label's variant key (None without variants) and why ``sponsor_id`` may not
    register it (None if it may): a blocked variant of a registered name, or an allocatable
    one registered by another registrar (a bundle stays with one sponsor)."""
    # An ASCII label has variants too (o and the Greek omicron), so it gets a key.
    ulabel = _ulabel(name.label) if name.label.startswith("xn--") else name.label
    tables = idn_tables(ctx, tld) if ulabel is not None else ()
    key = idn.variant_key(ulabel, idn.variant_sets(tables)) if tables else None
    if key is None:
        return None, None
    for other, sponsor in ctx.session.execute(select(Domain.name, Domain.sponsor_id).where(
            Domain.tld_id == tld.id, Domain.variant_key == key, Domain.name != name.name)):
        label = other.split(".", 1)[0]
        registered = _ulabel(label) or label
        if idn.disposition(ulabel, registered, tables) == "blocked":
            return key, f"{name.name} is a blocked variant of {other}"
        if sponsor != sponsor_id:
            return key, (f"{name.name} is a variant of {other}, which another registrar "
                         "sponsors")
    return key, None


def _ulabel(label: str) -> str | None:
    if not label.startswith("xn--"):
        return None
    try:
        return idna.decode(label)
    except idna.IDNAError:
        return None
