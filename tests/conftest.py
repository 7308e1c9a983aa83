"""Fixtures every part of the suite shares: a fresh MariaDB database per test session."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine

MARIADB_SERVER = os.environ.get("PYRAR_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306")


@pytest.fixture(scope="session")
def mariadb_url():
    """URL of a database created for this test session and dropped after it."""
    name = f"pyrar_test_{uuid.uuid4().hex[:10]}"
    server = create_engine(f"{MARIADB_SERVER}/")
    try:
        with server.begin() as conn:
            conn.exec_driver_sql(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    except Exception as e:  # the suite must say loudly that MariaDB is missing
        pytest.fail(f"MariaDB at {MARIADB_SERVER} is not usable: {e}")
    yield f"{MARIADB_SERVER}/{name}?charset=utf8mb4"
    with server.begin() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
    server.dispose()
