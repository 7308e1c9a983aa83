"""Committing a command exactly once, even when the connection is lost during COMMIT.

A transaction that wrote anything also writes a commit receipt (``CommitReceipt``), once.
When COMMIT fails in a way that does not prove a rollback (the connection dropped, a read
timed out), ``settle`` makes the outcome final and reads it: on MariaDB it kills the old
connection's server thread and waits until it is gone, so a COMMIT still in flight can no
longer land later; then the receipt says whether the transaction committed. The caller then
answers with its first result, or runs the command again, knowing it never ran; when the
database cannot be reached in time to find out, ``CommitOutcomeUnknown`` says so.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import Engine, delete, event, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from . import deadlines
from .driver_statements import WROTE, DriverInsert
from .errors import CommandTimedOut, CommitOutcomeUnknown
from .models import CommitReceipt

log = logging.getLogger(__name__)

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_INSERT = DriverInsert(CommitReceipt.__table__)
# MariaDB errors: no such thread (it is gone already), not your thread
_NO_SUCH_THREAD, _KILL_DENIED = 1094, 1095


@dataclass(frozen=True)
class ServerThread:
    """The server-side thread of a MariaDB connection, and which server it is on: a thread
    id means nothing on another server (behind a load balancer, say)."""

    id: int
    server: tuple


@dataclass(frozen=True)
class PendingCommit:
    """What ``settle`` needs to find out about a COMMIT that failed."""

    token: str
    thread: ServerThread | None


def watch_writes(engine: Engine) -> None:
    """Note on each connection whether its transaction has written anything (only those
    need a receipt), and on MariaDB which server thread it is."""

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.info[WROTE] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, _cursor, statement: str, *_args) -> None:
        if statement.lstrip()[:7].upper().startswith(_WRITES):
            conn.info[WROTE] = True

    if engine.dialect.name in ("mysql", "mariadb"):
        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT @@hostname, @@port")
            record.info["server"] = tuple(cursor.fetchone())
            cursor.close()


def new_token() -> str:
    """Milliseconds since the epoch, then randomness: unique, and in time order."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


def has_written(session: Session) -> bool:
    """Whether the session's transaction has written anything (pending ORM changes flushed)."""
    session.flush()
    return bool(session.connection().info.get(WROTE))


def write_receipt(session: Session) -> PendingCommit | None:
    """The receipt of a transaction that wrote, written once: by ``Database.run`` after the
    command's work, or earlier by a flow that wants its last statements to be its own (a
    debit: the payer's account stays locked from there to COMMIT). None for a transaction
    that has not written (running it again is harmless, so it needs no receipt)."""
    written = session.info.get("receipt")
    if written is not None:
        return written
    if not has_written(session):
        return None
    connection = session.connection()
    token = new_token()
    _INSERT.add(session, {"token": token})
    session.info["receipt"] = pending = PendingCommit(token, _server_thread(connection))
    return pending


def _server_thread(connection: Connection) -> ServerThread | None:
    thread_id = getattr(connection.connection.dbapi_connection, "thread_id", None)
    server = connection.connection.info.get("server")
    if thread_id is None or server is None:
        return None  # SQLite: a failed COMMIT is final when it returns
    return ServerThread(thread_id(), server)


def settle(engine: Engine, pending: PendingCommit, within: float) -> bool:
    """Whether the transaction that wrote ``pending`` committed, tried for ``within``
    seconds; raises CommitOutcomeUnknown if the database cannot tell by then."""
    give_up = time.monotonic() + within
    pause = 0.05
    while True:
        try:
            with engine.connect() as conn:
                deadlines.start(conn, give_up)
                if pending.thread is None or _ended(conn, pending.thread, give_up):
                    return conn.execute(select(CommitReceipt.token).where(
                        CommitReceipt.token == pending.token)).first() is not None
        except DBAPIError as e:
            log.warning("finding out whether a commit happened: %s",
                        str(e.orig if e.orig is not None else e).splitlines()[0])
        except CommandTimedOut:
            pass  # the database is too slow to tell in time: so said just below
        if time.monotonic() + pause > give_up:
            raise CommitOutcomeUnknown()
        time.sleep(pause)
        pause = min(pause * 2, 1.0)


def _ended(conn: Connection, thread: ServerThread, give_up: float) -> bool:
    """Kill the thread that ran the COMMIT and wait until it is gone: from then on its
    transaction has committed or rolled back for good. False when ``conn`` reached another
    server (behind a load balancer), whose thread ids are not ours to kill."""
    if tuple(conn.exec_driver_sql("SELECT @@hostname, @@port").one()) != thread.server:
        return False
    try:
        conn.exec_driver_sql(f"KILL CONNECTION {int(thread.id)}")
    except DBAPIError as e:
        if e.orig is None or not e.orig.args or e.orig.args[0] not in (
                _NO_SUCH_THREAD, _KILL_DENIED):
            raise
    pause = 0.01
    while conn.exec_driver_sql(
            "SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = %s",
            (thread.id,)).first() is not None:
        if time.monotonic() + pause > give_up:
            raise CommitOutcomeUnknown()
        time.sleep(pause)
        pause = min(pause * 2, 0.2)
    return True


def prune(session: Session, older_than_seconds: float) -> int:
    """Delete receipts older than that: they matter only until a failed commit is settled,
    seconds after it was attempted."""
    cutoff = f"{(time.time_ns() // 1_000_000) - int(older_than_seconds * 1000):012x}"
    return session.execute(delete(CommitReceipt).where(CommitReceipt.token < cutoff)).rowcount
