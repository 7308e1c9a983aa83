"""Statements on a command's hottest paths sent straight through the DB-API cursor.

SQLAlchemy's handling of one statement through a session (its execute, the compiled cache,
the event hooks, the result object) costs about twice what PyMySQL's own round trip does:
measured in-process on MariaDB, 160-230 us of CPU for one INSERT against 60-75 us on the
cursor (docs/performance.md, #14). ``DriverInsert`` writes rows that a command never reads
back (history, events, grace periods, ledger, commit receipts) that way, keeping what the
engine's hooks would have done: the command's time budget is checked first
(registry.deadlines), the transaction is noted as one that wrote (registry.commit), a read-only
session refuses, and a driver error comes out as SQLAlchemy's, as from ``session.execute``.

On MariaDB such rows do not even get a round trip of their own (``DriverInsert.add``): they
wait in the transaction's held-back writes and go, as one compound statement (``BEGIN NOT
ATOMIC ... END``), with the connection's next statement or before COMMIT; a create's grace
period, history, event and commit receipt go with its debit (registry.billing). Whether a
dialect holds writes back is decided here only (``holds_writes``); SQLite sends each at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Executable, Table, event
from sqlalchemy.engine import Compiled, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from . import deadlines

# Connection.info: the transaction has written (registry.commit's hook sets it for
# SQLAlchemy's statements, ``DriverInsert`` for its own).
WROTE = "wrote"
# Session.info: the session refuses writes (registry.db's read-only sessions); its events
# refuse SQLAlchemy's statements, ``DriverInsert`` its own.
READ_ONLY = "read_only"
# Connection.info: the transaction's held-back writes, literal SQL (``DriverInsert.add``)
HELD = "held_writes"


def holds_writes(dialect: Dialect) -> bool:
    """Whether writes that nothing reads back wait for the next statement, sent with it as
    one compound statement: MariaDB's (a round trip costs more there than the statements).
    SQLite, in-process, has no round trip to save."""
    return dialect.name in ("mysql", "mariadb")


def watch_held_writes(engine: Engine) -> None:
    """Held-back writes go before any statement of SQLAlchemy's on their connection and
    before COMMIT (``Database.run`` sends them itself first, so that their errors are the
    command's, not its COMMIT's); a new transaction or a rollback forgets them."""
    if not holds_writes(engine.dialect):
        return

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Connection, cursor, *_args) -> None:
        held = conn.info.pop(HELD, None)
        if held:  # on the statement's cursor: an error is the statement's, as SQLAlchemy's
            cursor.execute(_compound_sql(held, ""))

    @event.listens_for(engine, "commit")
    def _commit(conn: Connection) -> None:
        if conn.info.get(HELD):
            send_held(conn)

    @event.listens_for(engine, "begin")
    @event.listens_for(engine, "rollback")
    def _forget(conn: Connection) -> None:
        if not conn.invalidated:  # a lost connection's are gone (and begin forgets them)
            conn.info.pop(HELD, None)


class ReadOnlyViolation(Exception):
    """Work run through Database.reads tried to write."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    keys: tuple[str, ...]  # the statement's columns, in its order
    # for each: its bind processor or None, and its default when rows leave it out
    processors: tuple[Callable[[Any], Any] | None, ...]
    defaults: tuple[Callable[[], Any] | None, ...]
    positional: bool
    head: str  # for ``add``'s literal rows: up to VALUES,
    row: str  # and one row's values, a positional placeholder for each


class DriverInsert:
    """INSERT INTO one table, compiled once per dialect and column set."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._compiled: dict[tuple[str, frozenset[str]], _Compiled] = {}

    def run(self, session: Session, rows: dict | Sequence[dict]) -> int | None:
        """Insert ``rows`` (one, or several with the same keys: one round trip on PyMySQL,
        whose executemany makes one multi-row INSERT); the new id when there was one row.
        Columns left out get their Python default, as through SQLAlchemy, or the table's."""
        if not isinstance(rows, dict) and len(rows) == 1:
            rows = rows[0]  # executemany's rewriting costs more than it saves for one row
        many = not isinstance(rows, dict)
        first = rows[0] if many else rows
        if session.info.get(READ_ONLY):
            raise ReadOnlyViolation(f"a read-only session tried to write {self.table.name}")
        connection = session.connection()
        deadlines.check(connection)  # nothing is sent past the command's budget
        compiled = self._compile(connection.dialect, frozenset(first))
        params = [_params(compiled, row) for row in rows] if many else _params(compiled, rows)
        connection.info[WROTE] = True
        return run_on_cursor(connection, compiled.sql, params, many=many)

    def add(self, session: Session, rows: dict | Sequence[dict]) -> None:
        """Insert ``rows`` that nothing in the transaction reads back: on a dialect that
        ``holds_writes``, with the connection's next statement; elsewhere now."""
        connection = session.connection()
        if not holds_writes(connection.dialect):
            self.run(session, rows)
            return
        if session.info.get(READ_ONLY):
            raise ReadOnlyViolation(f"a read-only session tried to write {self.table.name}")
        if isinstance(rows, dict):
            rows = (rows,)
        compiled = self._compile(connection.dialect, frozenset(rows[0]))
        literal = connection.connection.dbapi_connection.escape
        connection.info[WROTE] = True
        connection.info.setdefault(HELD, []).append(compiled.head + ", ".join(
            compiled.row % tuple(map(literal, _processed(compiled, row))) for row in rows))

    def _compile(self, dialect: Dialect, keys: frozenset[str]) -> _Compiled:
        found = self._compiled.get((dialect.name, keys))
        if found is not None:
            return found
        columns = []
        for column in self.table.columns:
            default = column.default
            if column.key not in keys and (default is None or column.primary_key):
                continue  # the database's default (or autoincrement) fills it
            if column.key not in keys and not (default.is_scalar or default.is_callable):
                raise TypeError(f"{self.table.name}.{column.key}: give its value")
            columns.append((column.key, column.type.dialect_impl(dialect).bind_processor(dialect),
                            None if column.key in keys else _default_of(default)))
        statement = self.table.insert().compile(dialect=dialect,
                                                column_keys=[key for key, _, _ in columns])
        order = tuple(key for key, _, _ in columns)
        if statement.positional and tuple(statement.positiontup) != order:
            raise AssertionError(f"{self.table.name}: parameters out of column order")
        head = row = ""
        if holds_writes(dialect):  # PyMySQL's format or pyformat placeholders
            # for literal rows: "INSERT INTO t (a, b) VALUES ", "(%s, %s)" in column order
            head, row = statement.string.rsplit(" VALUES ", 1)
            head += " VALUES "
            row %= (tuple(["%s"] * len(order)) if statement.positional
                    else dict.fromkeys(order, "%s"))
        compiled = _Compiled(statement.string, order, tuple(p for _, p, _ in columns),
                             tuple(d for _, _, d in columns), statement.positional, head, row)
        self._compiled[(dialect.name, keys)] = compiled
        return compiled


def _default_of(default) -> Callable[[], Any]:
    if default.is_scalar:
        return lambda: default.arg
    return lambda: default.arg(None)  # SQLAlchemy wraps a callable to take a context


def _params(compiled: _Compiled, row: dict) -> dict | tuple:
    values = _processed(compiled, row)
    return tuple(values) if compiled.positional else dict(zip(compiled.keys, values, strict=True))


def _processed(compiled: _Compiled, row: dict) -> list:
    """``row``'s values in the statement's column order, as the driver takes them."""
    values = []
    for key, process, make in zip(compiled.keys, compiled.processors, compiled.defaults,
                                  strict=True):
        value = row[key] if make is None else make()
        values.append(value if process is None else process(value))
    return values


class DriverStatement:
    """A Core statement whose values are all bind parameters (an UPDATE, a SELECT), compiled
    once per dialect; its rows come back as the driver gives them (no result types)."""

    def __init__(self, statement: Executable, *, writes: bool) -> None:
        self.statement = statement
        self.writes = writes
        self._compiled: dict[str, Any] = {}

    def rows(self, session: Session, params: dict) -> list[tuple]:
        return self._run(session, params, "rows")

    def rowcount(self, session: Session, params: dict) -> int:
        return self._run(session, params, "rowcount")

    def literal(self, connection: Connection, params: dict) -> str:
        """The statement with ``params`` in it, for a compound statement (``run_compound``)."""
        sql, values = self._bound(connection, params)
        literal = connection.connection.dbapi_connection.escape
        return sql % (tuple(map(literal, values)) if isinstance(values, tuple)
                      else {name: literal(value) for name, value in values.items()})

    def _run(self, session: Session, params: dict, want: str) -> Any:
        if self.writes and session.info.get(READ_ONLY):
            raise ReadOnlyViolation("a read-only session tried to write")
        connection = session.connection()
        deadlines.check(connection)
        sql, values = self._bound(connection, params)
        if self.writes:
            connection.info[WROTE] = True
        return run_on_cursor(connection, sql, values, want=want)

    def _bound(self, connection: Connection, params: dict) -> tuple[str, Any]:
        compiled, processors = self._compile(connection.dialect)
        values = compiled.construct_params(params)
        for name, process in processors:
            values[name] = process(values[name])
        return compiled.string, tuple(
            values[name] for name in compiled.positiontup) if compiled.positional else values

    def _compile(self, dialect: Dialect) -> tuple[Compiled, tuple[tuple[str, Callable], ...]]:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            processors = ((name, bind.type.dialect_impl(dialect).bind_processor(dialect))
                          for name, bind in compiled.binds.items())
            found = self._compiled[dialect.name] = (
                compiled, tuple((name, p) for name, p in processors if p is not None))
        return found


def send_held(connection: Connection) -> None:
    """Send the transaction's held-back writes now (one round trip), if it has any."""
    if connection.info.get(HELD):
        deadlines.check(connection)
        _compound(connection, (), "")


def run_compound(session: Session, statements: Sequence[str], declare: str = ""
                 ) -> list[tuple]:
    """The transaction's held-back writes, then ``statements`` (literal SQL, as
    ``DriverStatement.literal`` makes it, that writes; ``declare``: their local variables,
    "DECLARE x INT; "), as one compound statement: one round trip, on a dialect that
    ``holds_writes``. The rows of the last SELECT among them, if any. Its statements run
    in order and the first error stops it; it is not atomic on its own: the command's
    transaction, rolled back on that error, is."""
    if session.info.get(READ_ONLY):
        raise ReadOnlyViolation("a read-only session tried to write")
    connection = session.connection()
    deadlines.check(connection)
    connection.info[WROTE] = True
    return _compound(connection, statements, declare)


def _compound(connection: Connection, statements: Sequence[str], declare: str
              ) -> list[tuple]:
    parts = connection.info.pop(HELD, None) or []
    parts.extend(statements)
    return run_on_cursor(connection, _compound_sql(parts, declare), None, want="rows")


def _compound_sql(parts: list[str], declare: str) -> str:
    if not declare and len(parts) == 1:
        return parts[0]
    return f"BEGIN NOT ATOMIC {declare}{'; '.join(parts)}; END"


def run_on_cursor(connection: Connection, statement: str, params: Any, *,
                  many: bool = False, want: str = "lastrowid") -> Any:
    """``statement`` on the connection's DB-API cursor, after the transaction's held-back
    writes; ``want``: its ``rows``, its ``rowcount`` or its ``lastrowid``; ``params`` None:
    ``statement`` is literal SQL. A connection the driver lost is invalidated (it must
    not go back to the pool) and the error is SQLAlchemy's, as for its own statements, so
    the transaction's owner knows it for a lost connection or a duplicate key (registry.db)."""
    if connection.info.get(HELD):
        send_held(connection)
    cursor = connection.connection.cursor()
    try:
        if many:
            cursor.executemany(statement, params)
        else:
            cursor.execute(statement, params)
        if want == "rows":
            return list(cursor.fetchall())
        return cursor.rowcount if want == "rowcount" else cursor.lastrowid
    except connection.dialect.dbapi.Error as e:
        lost = connection.dialect.is_disconnect(e, connection.connection, cursor)
        if lost:
            connection.invalidate(e)
        raise DBAPIError.instance(statement, params, e, connection.dialect.dbapi.Error,
                                  connection_invalidated=lost) from e
    finally:
        cursor.close()
