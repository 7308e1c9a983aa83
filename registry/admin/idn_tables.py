"""A TLD's IDN tables: load one (replacing the table of the same tag), remove, list."""

from __future__ import annotations

from sqlalchemy import select

from ..errors import ObjectDoesNotExist
from ..flows.context import FlowContext
from ..idn import parse_lgr
from ..models import IdnTable
from .registrars import check_http_url
from .tlds import get_tld


def load_idn_table(ctx: FlowContext, tld_name: str, data: bytes, url: str | None = None,
                   policy_url: str | None = None) -> IdnTable:
    """Parse an LGR (registry/idn.py says which subset) and store it for the TLD; a table
    with the same tag is replaced (keeping its URLs unless new ones are given). Names
    registered before keep their registration."""
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
    _set_urls(row, url, policy_url)
    return row


def set_idn_table_urls(ctx: FlowContext, tld_name: str, tag: str, url: str | None,
                       policy_url: str | None) -> IdnTable:
    """Where the table and its policy are published ("" takes a URL back: the deposit
    derives it from [escrow] idn_table_url / idn_policy_url then)."""
    row = _table(ctx, tld_name, tag)
    _set_urls(row, url, policy_url)
    return row


def remove_idn_table(ctx: FlowContext, tld_name: str, tag: str) -> None:
    ctx.session.delete(_table(ctx, tld_name, tag))


def _table(ctx: FlowContext, tld_name: str, tag: str) -> IdnTable:
    tld = get_tld(ctx, tld_name)
    row = ctx.session.scalars(select(IdnTable).where(
        IdnTable.tld_id == tld.id, IdnTable.tag == tag)).first()
    if row is None:
        raise ObjectDoesNotExist(f".{tld.name} has no IDN table {tag}")
    return row


def _set_urls(row: IdnTable, url: str | None, policy_url: str | None) -> None:
    if url is not None:
        row.url = check_http_url(url) if url else None
    if policy_url is not None:
        row.policy_url = check_http_url(policy_url) if policy_url else None


def idn_tables_of(ctx: FlowContext, tld_name: str) -> list[IdnTable]:
    tld = get_tld(ctx, tld_name)
    return list(ctx.session.scalars(
        select(IdnTable).where(IdnTable.tld_id == tld.id).order_by(IdnTable.tag)))
