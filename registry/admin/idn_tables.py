"""A TLD's IDN tables: load one (replacing the table of the same tag), remove, list."""

from __future__ import annotations

from sqlalchemy import select

from ..errors import ObjectDoesNotExist
from ..flows.context import FlowContext
from ..idn import parse_lgr
from ..models import IdnTable
from .tlds import get_tld


def load_idn_table(ctx: FlowContext, tld_name: str, data: bytes) -> IdnTable:
    """Parse an LGR (registry/idn.py says which subset) and store it for the TLD; a table
    with the same tag is replaced. Names registered before keep their registration."""
    tld = get_tld(ctx, tld_name)
    table = parse_lgr(data)
    row = ctx.session.scalars(select(IdnTable).where(
        IdnTable.tld_id == tld.id, IdnTable.tag == table.tag)).first()
    if row is None:
        row = IdnTable(tld_id=tld.id, tag=table.tag)
        ctx.session.add(row)
    row.version, row.loaded_at = table.version, ctx.now
    row.ranges = [list(r) for r in table.ranges]
    row.variants = [list(v) for v in table.variants]
    return row


def remove_idn_table(ctx: FlowContext, tld_name: str, tag: str) -> None:
    tld = get_tld(ctx, tld_name)
    row = ctx.session.scalars(select(IdnTable).where(
        IdnTable.tld_id == tld.id, IdnTable.tag == tag)).first()
    if row is None:
        raise ObjectDoesNotExist(f".{tld.name} has no IDN table {tag}")
    ctx.session.delete(row)


def idn_tables_of(ctx: FlowContext, tld_name: str) -> list[IdnTable]:
    tld = get_tld(ctx, tld_name)
    return list(ctx.session.scalars(
        select(IdnTable).where(IdnTable.tld_id == tld.id).order_by(IdnTable.tag)))
