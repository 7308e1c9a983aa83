"""IDN policy of a name to register: the TLD's IDN tables (or one script per label) and
the variants of names already registered (registry/idn.py has the rules)."""

from __future__ import annotations

import unicodedata

import idna
from sqlalchemy import select
from sqlalchemy.dialects import mysql, sqlite

from .. import idn
from ..errors import ParameterPolicyError
from ..models import Domain, Tld, VariantBundle
from ..names import DomainName
from ..values import IdnChoice
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
    the TLD has none, in one script. Emoji labels (not IDNA2008) are the emoji policy's.
    An IDN-only TLD takes no all-ASCII label (RST idn-02)."""
    if tld.idn_only and not name.label.startswith("xn--"):
        raise ParameterPolicyError(f".{tld.name} takes IDN labels only, not the ASCII label "
                                   f"{name.label}", value=name.name)
    ulabel = _ulabel(name.label)
    if ulabel is None:
        return
    tables = idn_tables(ctx, tld)
    if tables:
        idn.table_for(ulabel, name.label, tld.name, tables)
    else:
        idn.check_one_script(ulabel, name.label)


def registration_table(ctx: FlowContext, tld: Tld, name: DomainName,
                       choice: IdnChoice | None) -> str | None:
    """The tag of the IDN table a new name is registered under, kept with the domain (escrow
    names it, RFC 9022 idnTableId): the one the client chose (idn-1.0, checked), else the
    one the registry selects (the first in tag order holding all the label's code points,
    as ``check_idn_label`` found); None for an ASCII label or a TLD without tables."""
    if choice is not None:
        return check_idn_choice(ctx, tld, name, choice).tag
    ulabel = _ulabel(name.label)
    tables = idn_tables(ctx, tld) if ulabel is not None else ()
    return idn.table_for(ulabel, name.label, tld.name, tables).tag if tables else None


def check_idn_choice(ctx: FlowContext, tld: Tld, name: DomainName, choice: IdnChoice
                     ) -> idn.Table:
    """idn-1.0: the table the client chose must be one of the TLD's and hold every code
    point of the label; a given U-label must be the name's own (2306 each)."""
    tables = idn_tables(ctx, tld)
    table = next((t for t in tables if t.tag.lower() == choice.table.lower()), None)
    if table is None:
        offered = ", ".join(t.tag for t in tables) or "none"
        raise ParameterPolicyError(f"IDN table {choice.table!r} is not one of .{tld.name}'s "
                                   f"({offered})", value=choice.table)
    ulabel = _ulabel(name.label) or name.label
    if choice.uname is not None and \
            unicodedata.normalize("NFC", choice.uname.lower()) != ulabel:
        raise ParameterPolicyError(f"uname {choice.uname!r} is not the U-label of "
                                   f"{name.name} ({ulabel})", value=choice.uname)
    missing = next((ord(c) for c in ulabel if not table.covers(ord(c))), None)
    if missing is not None:
        raise ParameterPolicyError(f"{name.label}: {idn.describe(missing)} is not in IDN "
                                   f"table {table.tag} of .{tld.name}", value=name.name)
    return table


def variant_conflict(ctx: FlowContext, tld: Tld, name: DomainName, sponsor_id: int | None,
                     *, lock: bool = False, creates_for: tuple[int | None] | None = None
                     ) -> tuple[str | None, str | None]:
    """The label's variant key (None without variants) and why ``sponsor_id`` may not
    register it (None if it may): a blocked variant of a registered name, or an allocatable
    one registered by another registrar (a bundle stays with one sponsor), or, for a
    create (``creates_for``: its registrant's id, None without one), one registered to
    another registrant (RST idn-01: a bundle stays with one registrant).

    ``lock`` (a create): first take the bundle's row (VariantBundle) until the transaction
    ends, then read the bundle's names as committed now, not as the transaction's snapshot
    saw them: a concurrent create in the bundle has committed or waits for this one."""
    # An ASCII label has variants too (o and the Greek omicron), so it gets a key.
    ulabel = _ulabel(name.label) if name.label.startswith("xn--") else name.label
    tables = idn_tables(ctx, tld) if ulabel is not None else ()
    key = idn.variant_key(ulabel, idn.variant_sets(tables)) if tables else None
    if key is None:
        return None, None
    members = select(Domain.name, Domain.sponsor_id, Domain.registrant_id).where(
        Domain.tld_id == tld.id, Domain.variant_key == key, Domain.name != name.name)
    if lock:
        _lock_bundle(ctx, tld.id, key)
        members = members.with_for_update(read=True)  # a locking read reads the latest rows
    for other, sponsor, registrant in ctx.session.execute(members):
        label = other.split(".", 1)[0]
        registered = _ulabel(label) or label
        if idn.disposition(ulabel, registered, tables) == "blocked":
            return key, f"{name.name} is a blocked variant of {other}"
        if sponsor != sponsor_id:
            return key, (f"{name.name} is a variant of {other}, which another registrar "
                         "sponsors")
        if creates_for is not None and registrant != creates_for[0]:
            return key, (f"{name.name} is a variant of {other}, which has another "
                         "registrant")
    return key, None


def _lock_bundle(ctx: FlowContext, tld_id: int, key: str) -> None:
    """Insert the bundle's row, or update it where it exists; either way it stays locked to
    this transaction. MariaDB: an insert that meets a concurrent uncommitted insert of the
    same key waits for it, then updates (locks) the committed row; the update changes the
    row, so Galera certifies it too. SQLite: BEGIN IMMEDIATE already serializes writers;
    the row is written alike."""
    row = {"tld_id": tld_id, "variant_key": key, "creates": 1}
    table = VariantBundle.__table__
    if ctx.session.get_bind().dialect.name in ("mysql", "mariadb"):
        statement = mysql.insert(table).values(row).on_duplicate_key_update(
            creates=table.c.creates + 1)
    else:
        statement = sqlite.insert(table).values(row).on_conflict_do_update(
            index_elements=["tld_id", "variant_key"], set_={"creates": table.c.creates + 1})
    ctx.session.execute(statement)


def _ulabel(label: str) -> str | None:
    if not label.startswith("xn--"):
        return None
    try:
        return idna.decode(label)
    except idna.IDNAError:
        return None
