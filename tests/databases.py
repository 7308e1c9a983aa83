"""Throw-away registry databases for tests: a SQLite file, or a MariaDB database of its own."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from registry.db import create_database_if_missing

MARIADB_SERVER = os.environ.get("PYRAR_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306")


@contextlib.contextmanager
def scratch_mariadb(prefix: str) -> Iterator[str]:
    """The URL of a new, empty MariaDB database (utf8mb4, binary collation), dropped after."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        create_database_if_missing(f"{MARIADB_SERVER}/{name}")  # as `pyrar init` makes it
    except Exception as e:  # the suite must say loudly that MariaDB is missing
        pytest.fail(f"MariaDB at {MARIADB_SERVER} is not usable: {e}")
    server = create_engine(f"{MARIADB_SERVER}/")
    try:
        yield f"{MARIADB_SERVER}/{name}"
    finally:
        with server.begin() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        server.dispose()


@contextlib.contextmanager
def database_url(dialect: str, directory: Path, prefix: str) -> Iterator[str]:
    """A SQLite file in ``directory``, or a scratch MariaDB database named from ``prefix``."""
    if dialect == "sqlite":
        yield f"sqlite:///{directory / 'registry.sqlite3'}"
        return
    with scratch_mariadb(prefix) as url:
        yield url
