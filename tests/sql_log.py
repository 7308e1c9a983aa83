"""Watching the SQL a piece of code sends, to prove it read nothing or ran one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine of this process sends meanwhile (what goes straight to
    a DB-API cursor, as registry.batch_reads does, is not seen)."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", record)
