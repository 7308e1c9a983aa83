"""The launch tests run on the core suite's world (SQLite and MariaDB)."""

from tests.core.conftest import alice, bob, database, tld, world  # noqa: F401
