"""What the CLI tests check of a ``pyrar`` run on a sandbox made by ``pyrar init``: its exit
status, what it printed, and that a refused command changed nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from registry.db import make_engine
from tests.core.db_state import dump


@dataclass(frozen=True)
class Outcome:
    status: int
    out: str
    err: str


def sandbox_dump(directory: Path) -> dict:
    """Every row of the sandbox's embedded database."""
    engine = make_engine(f"sqlite:///{directory / 'pyrar.sqlite3'}")
    try:
        return dump(engine)
    finally:
        engine.dispose()


def refused(run: Callable[..., Outcome], directory: Path, *args: str) -> str:
    """Bad input: exit status 1, exactly one ``pyrar: error:`` line, nothing printed, the
    database unchanged. Returns the line."""
    before = sandbox_dump(directory)
    outcome = run(*args)
    assert outcome.status == 1, outcome
    lines = outcome.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyrar: error: "), outcome.err
    assert outcome.out == ""
    assert sandbox_dump(directory) == before, "a refused command changed the database"
    return lines[0]
