"""What the CLI tests check of a ``pyrar`` run on a sandbox made by ``pyrar init``: its exit
status, what it printed, and that a refused command changed nothing."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyrar.cli.main import main
from registry.config import Config
from registry.db import make_engine
from registry.service import Registry
from tests.core.db_state import dump


@dataclass(frozen=True)
class Outcome:
    status: int
    out: str
    err: str


def clear_pyrar_environment(monkeypatch) -> None:
    for var in ("PYRAR_CONFIG", "PYRAR_DB_URL", "PYRAR_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)


def in_process(capsys) -> Callable[..., Outcome]:
    """``run(*ARGS)`` runs ``pyrar ARGS`` in-process and returns its exit status and what it
    printed (``capsys``: pytest's fixture)."""
    def run(*args: str) -> Outcome:
        capsys.readouterr()
        status = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Outcome(status, captured.out, captured.err)
    return run


def initial_sandbox(tmp_path_factory) -> Path:
    """One sandbox made by ``pyrar init`` (TLDs example and test), for tests to copy."""
    directory = tmp_path_factory.mktemp("template") / "sandbox"
    assert main(["init", str(directory), "--tld", "example", "--tld", "test"]) == 0
    return directory


def files_of(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(directory)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(directory.rglob("*")) if p.is_file()}


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


@dataclass
class Sandbox:
    """A copy of the initial sandbox, and ``pyrar --config`` on it."""

    directory: Path
    run: Callable[..., Outcome]

    @classmethod
    def copy_of(cls, template: Path, tmp_path: Path, run: Callable[..., Outcome]) -> Sandbox:
        directory = tmp_path / "sandbox"
        shutil.copytree(template, directory)  # its SQLite path is relative: the copy is apart
        return cls(directory, run)

    @property
    def config(self) -> Path:
        return self.directory / "pyrar.toml"

    def __call__(self, *args: str) -> Outcome:
        return self.run("--config", self.config, *args)

    def ok(self, *args: str) -> str:
        outcome = self(*args)
        assert (outcome.status, outcome.err) == (0, ""), outcome
        return outcome.out

    def dump(self) -> dict:
        return sandbox_dump(self.directory)

    def fails(self, *args: str) -> str:
        return refused(self, self.directory, *args)

    def registry(self) -> Registry:
        return Registry.from_config(Config.load(self.config))
