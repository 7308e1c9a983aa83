"""Throw-away registry databases for tests: a SQLite file, or a MariaDB database of its own."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from registrar.models import SiteBase
from registry.db import create_database_if_missing
from registry.models import Base

MARIADB_SERVER = os.environ.get("PYRAR_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306")
# PyMySQL (1.2) builds a TLS context for every connection unless told not to: 50 ms of CPU
# loading the system's CA certificates, for a loopback server without TLS. The suite opens
# thousands of connections (an engine per test, servers in subprocesses).
NO_TLS = {"ssl_disabled": "1"}


@contextlib.contextmanager
def scratch_mariadb(prefix: str) -> Iterator[str]:
    """The URL of a new, empty MariaDB database (utf8mb4, binary collation), dropped after."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    server_url = make_url(MARIADB_SERVER)
    if not any(key.startswith("ssl") for key in server_url.query):
        server_url = server_url.update_query_dict(NO_TLS)
    url = server_url.set(database=name).render_as_string(hide_password=False)
    try:
        create_database_if_missing(url)  # as `pyrar init` makes it
    except Exception as e:  # the suite must say loudly that MariaDB is missing
        pytest.fail(f"MariaDB at {MARIADB_SERVER} is not usable: {e}")
    server = create_engine(server_url.set(database=""))
    try:
        yield url
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


def empty_tables(engine: Engine) -> None:
    """Delete every row of the registry's and the registrar's tables, in one transaction.

    One query finds the tables that hold rows (most tests touch a few); only those are
    emptied. TRUNCATE of every table cost 0.3 s a test on MariaDB (InnoDB recreates each
    table), DELETE of the few with rows about 5 ms. Autoincrement counters go on where they
    were: no test may count on ids starting at 1 (SQLite copies of a fresh template do)."""
    tables = [table.name for metadata in (Base.metadata, SiteBase.metadata)
              for table in metadata.sorted_tables]
    probe = ", ".join(f"EXISTS (SELECT 1 FROM `{name}`)" for name in tables)
    with engine.begin() as conn:
        found = conn.execute(text(f"SELECT {probe}")).one()
        filled = [name for name, has_rows in zip(tables, found, strict=True) if has_rows]
        if not filled:
            return
        conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))  # any order, self-references too
        try:
            for name in filled:
                conn.execute(text(f"DELETE FROM `{name}`"))
        finally:
            conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))
