"""Fixtures every part of the suite shares: a fresh MariaDB database per test session."""

from __future__ import annotations

import pytest

from tests.databases import scratch_mariadb


@pytest.fixture(scope="session")
def mariadb_url():
    """URL of a database created for this test session and dropped after it."""
    with scratch_mariadb("pyrar_test") as url:
        yield f"{url}?charset=utf8mb4"
