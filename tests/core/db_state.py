"""Every row of every table, to prove that a refused command changed nothing at all."""

from __future__ import annotations

from sqlalchemy import Engine, select

from registry.errors import EppError
from registry.flows.context import Actor
from registry.models import Base
from tests.core.world import World


def dump(engine: Engine) -> dict[str, list[tuple]]:
    """The whole database: balances, ledger, objects, history, outbox, poll queue..."""
    with engine.connect() as conn:
        return {table.name: [tuple(row) for row in conn.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables}


def refused(world: World, code: int, command, actor: Actor) -> EppError:
    """Run ``command``, expect EPP result ``code`` and an unchanged database."""
    before = dump(world.registry.db.engine)
    error = world.fails(code, command, actor)
    after = dump(world.registry.db.engine)
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"refused command changed {changed}"
    return error
