"""``pyrar db upgrade|current``."""

from __future__ import annotations

from registry.db import create_database_if_missing, database_url, make_engine
from registry.migrate import current_revision, head_revision, upgrade


def register(subparsers) -> None:
    db = subparsers.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", metavar="ACTION", required=True)
    db.add_parser("upgrade", help="create or upgrade the schema to the latest version"
                  ).set_defaults(run=run_upgrade)
    db.add_parser("current", help="show the schema version").set_defaults(run=run_current)


def run_upgrade(ctx, args) -> None:
    url = database_url(ctx.config)
    create_database_if_missing(url)
    engine = make_engine(url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        print(f"schema: {before or 'empty'} -> {current_revision(engine)}")
    finally:
        engine.dispose()


def run_current(ctx, args) -> None:
    engine = make_engine(database_url(ctx.config))
    try:
        rev = current_revision(engine)
        print(f"{rev or 'empty'} (latest {head_revision()})")
    finally:
        engine.dispose()
