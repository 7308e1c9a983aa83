"""Engines and transactions: one database transaction per command, on SQLite or MariaDB."""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from . import commit, deadlines, driver_statements
from .config import Config, DatabaseSettings
from .driver_statements import READ_ONLY, ReadOnlyViolation
from .errors import CommandTimedOut, DatabaseUnavailable

T = TypeVar("T")
log = logging.getLogger(__name__)

# MariaDB errors after which a transaction has certainly not committed, so it may run again:
# deadlock (also a Galera certification conflict), lock wait timeout, an error during COMMIT
# that the server reports (so it rolled back), and a connection the server dropped (gone
# away, lost) - proof of a rollback only before COMMIT was sent (see Database.run).
ROLLED_BACK_MYSQL_ERRORS = {1213, 1205, 1180}
# can't connect (socket, TCP), gone away, lost during a query; and a Galera node cut off
# from the primary component, which refuses every statement (1047, "WSREP has not yet
# prepared node for application use") until it is back in one (docs/scale-out.md)
CONNECTION_MYSQL_ERRORS = {2002, 2003, 2006, 2013, 1047}
RETRYABLE_MYSQL_ERRORS = ROLLED_BACK_MYSQL_ERRORS | CONNECTION_MYSQL_ERRORS
ATTEMPTS = 4
# A thread's reader session unused for this long is closed rather than reused (Database.reads).
HELD_READER_IDLE_SECONDS = 60.0


def database_url(config: Config) -> str:
    """The configured URL with a relative SQLite path resolved against the config file's dir."""
    url = make_url(config.section("database", DatabaseSettings).url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        url = url.set(database=str(config.resolve(url.database)))
    return url.render_as_string(hide_password=False)


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10,
                lock_wait_seconds: int = 5, command_seconds: float = 15.0) -> Engine:
    """The engine for ``Database``: it notes which transactions write (registry.commit) and
    holds commands to their budgets (registry.deadlines)."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30,
                                                             "check_same_thread": False})
        _serialize_sqlite_writers(engine)
    else:
        if "charset" not in make_url(url).query:
            url = make_url(url).update_query_dict({"charset": "utf8mb4"}).render_as_string(
                hide_password=False)
        # No pre-ping (a round trip per command): Database.run retries a dropped connection.
        # No rollback when a connection goes back to the pool (another round trip per
        # command): every transaction here ends in an explicit commit or rollback first.
        engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size,
                               pool_recycle=3600, pool_reset_on_return=None,
                               isolation_level="REPEATABLE READ",
                               connect_args={"connect_timeout": deadlines.CONNECT_SECONDS})
    commit.watch_writes(engine)
    driver_statements.watch_held_writes(engine)
    # a transaction idle past its command's budget is ended by the server (registry.deadlines)
    deadlines.watch_deadlines(engine, lock_wait_seconds, math.ceil(command_seconds) + 1)
    return engine


def _serialize_sqlite_writers(engine: Engine) -> None:
    """SQLite gets real transactions: BEGIN IMMEDIATE takes the write lock up front.

    pysqlite's own transaction handling defers BEGIN and can deadlock two writers that both
    read first; taking the lock at BEGIN makes concurrent commands queue instead.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_database_if_missing(url: str) -> None:
    """MariaDB: create the named database (utf8mb4, binary collation) if it does not exist.

    Binary collation keeps contact ids case-sensitive, as EPP's clIDType is.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() not in ("mysql", "mariadb") or not parsed.database:
        return
    server = create_engine(parsed.set(database=""))
    try:
        with server.begin() as conn:
            conn.exec_driver_sql(
                f"CREATE DATABASE IF NOT EXISTS `{parsed.database}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    finally:
        server.dispose()


class Database:
    """Owns the engine and hands out one transaction at a time per caller."""

    def __init__(self, engine: Engine, *, command_seconds: float = 15.0,
                 settle_seconds: float = 15.0) -> None:
        self.engine = engine
        # every command's budget, retries included (registry.deadlines)
        self.command_seconds = command_seconds
        # how long a command whose COMMIT failed tries to find out whether it happened
        self.settle_seconds = settle_seconds
        self._sessions = sessionmaker(engine, expire_on_commit=False, autoflush=True)
        self._reads: sessionmaker | None = None
        # SQLite's reads: ordinary transactions that refuse to write, as MariaDB's reader
        self._local_reads = _refusing_writes(engine)
        self._reads_lock = threading.Lock()
        self._held = threading.local()  # each thread's reader session (see reads)
        # For dispose; weak, so a finished thread's session goes (and its connection back to
        # the pool) with the thread.
        self._all_held: weakref.WeakSet[Session] = weakref.WeakSet()

    @classmethod
    def from_config(cls, config: Config) -> Database:
        settings = config.section("database", DatabaseSettings)
        return cls(make_engine(database_url(config), echo=settings.echo,
                               pool_size=settings.pool_size,
                               lock_wait_seconds=settings.lock_wait_seconds,
                               command_seconds=settings.command_seconds),
                   command_seconds=settings.command_seconds,
                   settle_seconds=settings.commit_settle_seconds)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def schema(self) -> str | None:
        """The MariaDB database the registry's tables are in (None on SQLite): another
        connection to the same server reaches them as ``schema.table``."""
        return self.engine.url.database if self.dialect in ("mysql", "mariadb") else None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back entirely on any exception."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reads(self) -> Iterator[Session]:
        """A session for work that never writes, with no transaction at all on MariaDB (an
        autocommit connection of its own pool, kept by the thread between uses): one round
        trip less than a transaction. Use ``run_reads`` to survive a dropped connection.

        A flush, a Core write or a locking read in it raises ReadOnlyViolation before
        anything is sent (in autocommit a write would stand alone, outside any command; a
        lock may be waited for). SQLite, whose reads are local, gets an ordinary
        transaction that refuses writes the same way.
        """
        if self.dialect not in ("mysql", "mariadb"):
            with self._local_reads() as session, session.begin():
                yield session
            return
        session = self._held_reader()
        try:
            yield session
        except BaseException as e:
            # Start the next work afresh; a connection the server dropped leaves the pool.
            self._release_reader(session, broken=self._retryable(e))
            raise
        if session.identity_map:  # a check batch usually loads no object at all
            session.expunge_all()  # no object outlives the work that loaded it
        self._held.used = time.monotonic()

    def _held_reader(self) -> Session:
        """This thread's reader session, kept with its connection between uses: opening a
        session and checking a connection out of the pool cost more than a check batch's
        own Python. One left idle for a while is closed: its connection goes back to the
        pool, whose pool_recycle then replaces it before the server's wait_timeout would."""
        held = self._held
        session = getattr(held, "session", None)
        if session is not None and time.monotonic() - held.used > HELD_READER_IDLE_SECONDS:
            self._release_reader(session)
            session = None
        if session is None:
            with self._reads_lock:
                if self._reads is None:
                    engine = make_reader(self.engine)
                    self._reads = _refusing_writes(engine)
                    event.listen(engine, "before_cursor_execute", _refuse_locking_read)
                session = self._reads()
                self._all_held.add(session)
            held.session = session
        return session

    def _release_reader(self, session: Session, broken: bool = False) -> None:
        with self._reads_lock:
            self._all_held.discard(session)
        if getattr(self._held, "session", None) is session:
            self._held.session = None
        if broken:
            session.invalidate()
        else:
            session.close()

    def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction and commit it exactly once.

        ``work`` runs again only when its transaction provably did not commit: a deadlock or
        lock wait, or a connection lost before COMMIT was sent. When COMMIT itself fails
        without proof of a rollback, its receipt (registry.commit) says what happened: the
        first result is returned if it committed, ``work`` runs again if it did not, and
        CommitOutcomeUnknown is raised if the database cannot tell in time.
        """
        until = time.monotonic() + self.command_seconds
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return self._run_once(work, until)
            except _NotCommitted as e:
                if attempt == ATTEMPTS or time.monotonic() >= until:
                    raise self._gave_up(e.error, until) from e.error
                time.sleep(0.005 * attempt)
        raise AssertionError("unreachable")

    def _gave_up(self, error: DBAPIError, until: float) -> Exception:
        """What a command that never committed ends with: its budget spent (a database
        that stopped answering, say), the database unreachable, or (deadlocks every time)
        the database's own error."""
        if time.monotonic() >= until:
            return CommandTimedOut()
        if self._connection_lost(error):
            return DatabaseUnavailable()
        return error

    def _run_once(self, work: Callable[[Session], T], until: float) -> T:
        with self._sessions() as session:
            transaction = session.begin()
            try:
                connection = session.connection()  # the transaction's, throughout
                deadlines.start(connection, until)
                result = work(session)
                pending = commit.write_receipt(session)
                # before COMMIT, so that their errors are the command's (registry.commit)
                driver_statements.send_held(connection)
                deadlines.check(connection)  # nothing commits past the budget
            except BaseException as e:
                with contextlib.suppress(DBAPIError):  # a dead connection cannot roll back
                    transaction.rollback()
                if isinstance(e, DBAPIError) and self._retryable(e):
                    raise _NotCommitted(e) from e  # COMMIT was never sent
                raise
            try:
                transaction.commit()
            except DBAPIError as e:
                # whatever did not commit must not hold locks while settle looks (SQLite's
                # COMMIT can fail with the transaction still open)
                with contextlib.suppress(DBAPIError):
                    session.rollback()
                if pending is None or self._rolled_back(e):
                    raise _NotCommitted(e) from e  # nothing to lose, or a certain rollback
                if commit.settle(self.engine, pending, self.settle_seconds):
                    log.warning("COMMIT failed (%s) but had happened: answering with its "
                                "result", _first_line(e))
                    return result
                raise _NotCommitted(e) from e
            return result

    def run_reads(self, work: Callable[[Session], T], seconds: float | None = None) -> T:
        """Run ``work`` in ``reads``, once more on a fresh connection if the server dropped
        the one it had (a kept reader connection can outlive the server's patience).
        ``seconds``: its budget, when not a command's (a bulk export's)."""
        # The driver's own error too: the hottest reads go straight to the DB-API cursor.
        dropped = (OperationalError, self.engine.dialect.dbapi.OperationalError)
        until = time.monotonic() + (seconds or self.command_seconds)

        def attempt() -> T:
            with self.reads() as session:
                deadlines.start(session.connection(), until)
                return work(session)

        try:
            return attempt()
        except dropped as e:
            if not self._retryable(e):
                raise
        try:
            return attempt()
        except dropped as e:
            if self._connection_lost(e):
                raise DatabaseUnavailable() from e
            raise

    def run_snapshot_reads(self, work: Callable[[Session], T], seconds: float | None = None
                           ) -> T:
        """``run_reads`` inside one read-only transaction: every statement of ``work`` sees
        the same snapshot, and still nothing writes or waits on a lock."""
        if self.dialect not in ("mysql", "mariadb"):
            return self.run_reads(work, seconds)  # SQLite's reads are a transaction already

        def in_snapshot(session: Session) -> T:
            connection = session.connection()
            # By hand on the autocommit connection; closed on every path, or the kept
            # reader would go on reading this snapshot.
            connection.exec_driver_sql("START TRANSACTION READ ONLY")
            try:
                result = work(session)
            except BaseException:
                # a lost connection has no snapshot left to end (and must not hide the
                # error that says it was lost)
                if not connection.invalidated:
                    with contextlib.suppress(DBAPIError):
                        connection.exec_driver_sql("ROLLBACK")
                raise
            connection.exec_driver_sql("COMMIT")
            return result

        return self.run_reads(in_snapshot, seconds)

    def _connection_lost(self, error: BaseException) -> bool:
        if isinstance(error, DBAPIError):
            return error.connection_invalidated or self._connection_lost(error.orig)
        return (isinstance(error, self.engine.dialect.dbapi.OperationalError)
                and bool(error.args) and error.args[0] in CONNECTION_MYSQL_ERRORS)

    def _rolled_back(self, error: DBAPIError) -> bool:
        """The server said the transaction rolled back (not merely: the connection broke)."""
        orig = error.orig
        return (isinstance(orig, self.engine.dialect.dbapi.OperationalError)
                and bool(orig.args) and orig.args[0] in ROLLED_BACK_MYSQL_ERRORS)

    def _retryable(self, error: BaseException) -> bool:
        """Worth another try: a deadlock, a lock wait, or a connection the server dropped;
        ``error`` may be SQLAlchemy's OperationalError or the driver's own."""
        if isinstance(error, OperationalError):
            return error.connection_invalidated or self._retryable(error.orig)
        if not isinstance(error, self.engine.dialect.dbapi.OperationalError):
            return False
        return bool(error.args) and error.args[0] in RETRYABLE_MYSQL_ERRORS

    def dispose(self) -> None:
        with self._reads_lock:
            held, self._all_held = list(self._all_held), weakref.WeakSet()
        for session in held:
            session.close()
        self.engine.dispose()
        if self._reads is not None:
            self._reads.kw["bind"].dispose()


class _NotCommitted(Exception):
    """A transaction certainly did not commit: ``Database.run`` may run it again."""

    def __init__(self, error: DBAPIError) -> None:
        super().__init__(str(error))
        self.error = error


def _first_line(error: DBAPIError) -> str:
    return str(error.orig if error.orig is not None else error).splitlines()[0]


def _refusing_writes(engine: Engine) -> sessionmaker:
    sessions = sessionmaker(engine, expire_on_commit=False, autoflush=False,
                            info={READ_ONLY: True})
    event.listen(sessions, "before_flush", _refuse_flush)
    event.listen(sessions, "do_orm_execute", _refuse_write_statement)
    return sessions


def _refuse_flush(session, _flush_context, _instances) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlyViolation("a read-only session tried to write")


def _refuse_write_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlyViolation("a read-only session tried to write")


def _refuse_locking_read(_conn, _cursor, statement: str, *_args) -> None:
    # Reads may run on eppd's reactor thread, where waiting on a row lock would stall every
    # session of the worker.
    if "FOR UPDATE" in statement or "LOCK IN SHARE MODE" in statement:
        raise ReadOnlyViolation("a read-only session tried to lock rows")


def make_reader(engine: Engine) -> Engine:
    """An autocommit twin of a MariaDB engine, with its own pool: one connection for each
    thread that reads (every thread of the engine's size, plus eppd's reactor thread), more
    for a while when threads come and go."""
    size = engine.pool.size()
    return create_engine(engine.url, pool_size=size + 1, max_overflow=size,
                         pool_recycle=3600, pool_reset_on_return=None,
                         isolation_level="AUTOCOMMIT", skip_autocommit_rollback=True)
