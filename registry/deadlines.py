"""Every command's time budget, so a client told "failed" really did fail.

A command (``Database.run``, retries included) and a read (``Database.run_reads``) get
``[database] command_seconds`` from their start. Before each statement the time left is
checked: none left, and the command raises CommandTimedOut before anything more is sent, so
it is rolled back and COMMIT is never sent. On MariaDB the time left also bounds each wait
for the server's answer (PyMySQL's socket timeout), so a frozen server cannot hold a command
past its budget either: the connection is dropped, and the server rolls back what that
connection left open. On the server's side, a row lock is waited for at most
``lock_wait_seconds`` (innodb_lock_wait_timeout), after which the command may try again if
its budget allows.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection

from .errors import CommandTimedOut

# a connection attempt never waits longer than this (PyMySQL's default is 10 s)
CONNECT_SECONDS = 5


def watch_deadlines(engine: Engine, lock_wait_seconds: int | None = None,
                    idle_write_seconds: int | None = None) -> None:
    """Check the budget before each statement of a connection that has one (``start``),
    forget it when the connection goes back to the pool; on MariaDB, make every connection
    wait at most ``lock_wait_seconds`` for a row lock, and have the server end (and roll
    back) a transaction that wrote and then sent nothing for ``idle_write_seconds``: its
    client froze or vanished mid-command (past its budget, it could not commit anyway), and
    its row locks (a leader lease's, registry.leases) must not be held until wait_timeout."""
    event.listen(engine, "before_cursor_execute", _before_statement)
    event.listen(engine, "checkin", _forget)
    settings = []
    if lock_wait_seconds is not None:
        settings.append(f"innodb_lock_wait_timeout = {int(lock_wait_seconds)}")
    if idle_write_seconds is not None:
        settings.append(f"idle_write_transaction_timeout = {int(idle_write_seconds)}")
    if settings and engine.dialect.name in ("mysql", "mariadb"):
        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("SET SESSION " + ", ".join(settings))
            cursor.close()


def start(connection: Connection, until: float) -> None:
    """Statements on ``connection`` must be done by ``until`` (time.monotonic()), until it
    goes back to the pool."""
    connection.info["deadline"] = until
    check(connection)


def check(connection: Connection) -> None:
    """Raise CommandTimedOut if ``connection``'s budget is spent (before COMMIT, say)."""
    until = connection.info.get("deadline")
    if until is None:
        return
    left = until - time.monotonic()
    if left <= 0:
        raise CommandTimedOut()
    _limit_waits(connection.connection.dbapi_connection, left)


def _before_statement(conn: Connection, _cursor, _statement, *_args) -> None:
    check(conn)


def _forget(dbapi_connection, record) -> None:
    record.info.pop("deadline", None)
    if dbapi_connection is not None:
        _limit_waits(dbapi_connection, None)


def _limit_waits(dbapi_connection, seconds: float | None) -> None:
    """Bound PyMySQL's waits on the socket. It applies ``_read_timeout`` and
    ``_write_timeout`` before each read and write; its public arguments set them only once,
    at connect, which cannot follow a budget that shrinks statement by statement."""
    if hasattr(dbapi_connection, "_read_timeout"):
        dbapi_connection._read_timeout = seconds
        dbapi_connection._write_timeout = seconds
