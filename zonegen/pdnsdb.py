"""Direct access to PowerDNS's generic SQL backend tables (gsqlite3 or gmysql).

PowerDNS documents these tables as a provisioning interface: rows written here are served at
once, provided ``auth``/``ordername`` and the ENT rows are right (see ``rectify``). One extra
index is added: on each row's parent name, so that the rows below a delegation can be found
without scanning the zone. For gmysql it needs a virtual column; PowerDNS names its columns in
every query, so an extra one is harmless to it.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zonegen.config import PowerDnsSettings
from zonegen.names import db_name
from zonegen.rectify import Denial, Row

SQLITE_SCHEMA = Path("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql")
MYSQL_SCHEMA = Path("/usr/share/pdns-backend-mysql/schema/schema.mysql.sql")
ROW_COLUMNS = "name, type, content, ttl, prio, ordername, auth"
DUPLICATE_COLUMN = 1060  # MariaDB's ER_DUP_FIELDNAME


class PdnsDbError(Exception):
    """The PowerDNS database is unreachable or not in the expected shape."""


@dataclass(frozen=True)
class DomainInfo:
    id: int
    name: str           # absolute, trailing dot
    kind: str
    denial: Denial


@dataclass(frozen=True)
class StoredRow:
    id: int
    row: Row


class PdnsDb:
    """A connection to the PowerDNS database plus the few statements zonegen needs."""

    dialect = "sqlite"
    parent_expr = "substr(name, instr(name, '.') + 1)"
    # the planner may otherwise prefer PowerDNS's (domain_id, ...) index: a zone scan
    parent_index = "records INDEXED BY pyrar_parent_idx"

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.parent_index_ready = False
        self._lock_depth = 0
        # run last in every transaction: the zone publisher's lease (zonegen.lease_fence)
        self.fence: Callable[[PdnsDb], None] | None = None

    @contextmanager
    def writer_lock(self, timeout: float = 600.0) -> Iterator[None]:
        """Only one zonegen writer at a time (drainer, ``zone sync``, a second server).

        Whoever holds it reads the registry's desired state after taking it, so a full sync
        cannot overwrite a newer change the drainer wrote meanwhile (and whose outbox entry
        is gone). Re-entrant for this connection; released if the process dies.
        """
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        self._acquire(timeout)
        self._lock_depth = 1
        try:
            yield
        finally:
            self._lock_depth = 0
            self._release()

    def _acquire(self, timeout: float) -> None:
        raise NotImplementedError

    def _release(self) -> None:
        raise NotImplementedError

    # -- connection handling -------------------------------------------------------------
    @staticmethod
    def open(settings: PowerDnsSettings, base_dir: Path | None = None) -> PdnsDb:
        if settings.backend == "gmysql":
            return MysqlPdnsDb.connect(settings)
        return SqlitePdnsDb.connect(settings.sqlite_file(base_dir))

    def close(self) -> None:
        with suppress(Exception):
            self.conn.close()

    def q(self, sql: str) -> str:
        return sql

    def execute(self, sql: str, params: Sequence = ()) -> Any:
        cur = self.conn.cursor()
        cur.execute(self.q(sql), tuple(params))
        return cur

    def executemany(self, sql: str, rows: Iterable[Sequence]) -> None:
        cur = self.conn.cursor()
        cur.executemany(self.q(sql), [tuple(r) for r in rows])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.execute(self.begin_sql)
        try:
            yield
            if self.fence is not None:
                self.fence(self)
        except BaseException:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    begin_sql = "BEGIN IMMEDIATE"

    def ensure_parent_index(self) -> None:
        raise NotImplementedError

    # -- zones ---------------------------------------------------------------------------
    def domain(self, zone: str) -> DomainInfo | None:
        row = self.execute("SELECT id, type FROM domains WHERE name = ?",
                           (db_name(zone),)).fetchone()
        if row is None:
            return None
        domain_id, kind = row
        meta = dict(self.execute(
            "SELECT kind, content FROM domainmetadata WHERE domain_id = ? AND kind IN "
            "('NSEC3PARAM', 'NSEC3NARROW', 'PRESIGNED')", (domain_id,)).fetchall())
        if meta.get("NSEC3NARROW") == "1" or meta.get("PRESIGNED") == "1":
            raise PdnsDbError(f"{zone}: narrow NSEC3 and presigned zones are not supported")
        active = self.execute("SELECT count(*) FROM cryptokeys WHERE domain_id = ? AND active = 1",
                              (domain_id,)).fetchone()[0]
        denial = Denial.from_nsec3param(bool(active), meta.get("NSEC3PARAM"))
        return DomainInfo(domain_id, zone, kind, denial)

    # -- rows ----------------------------------------------------------------------------
    def _stored(self, rows: Iterable[Sequence]) -> list[StoredRow]:
        return [StoredRow(r[0], Row(r[1], r[2], r[3], r[4], r[5], r[6], int(r[7])))
                for r in rows]

    def rows_at(self, domain_id: int, name: str) -> list[StoredRow]:
        return self._stored(self.execute(
            f"SELECT id, {ROW_COLUMNS} FROM records WHERE domain_id = ? AND name = ?",
            (domain_id, db_name(name))).fetchall())

    def child_rows(self, domain_id: int, name: str) -> list[StoredRow]:
        stored = db_name(name)
        rows = self.execute(
            f"SELECT id, {ROW_COLUMNS} FROM {self.parent_index} WHERE domain_id = ? AND "
            f"{self.parent_expr} = ?", (domain_id, stored)).fetchall()
        return [r for r in self._stored(rows) if r.row.name != stored]

    def subtree_rows(self, domain_id: int, root: str) -> list[StoredRow]:
        """Rows at ``root`` and every name below it, one indexed query per level."""
        out = self.rows_at(domain_id, root)
        level = [root]
        while level:
            nxt: list[str] = []
            for name in level:
                children = self.child_rows(domain_id, name)
                out += children
                nxt += sorted({r.row.name + "." for r in children})
            level = nxt
        return out

    def children_summary(self, domain_id: int, name: str) -> tuple[bool, bool, bool]:
        """For an ENT candidate: (has children, NSEC3-chain contribution, auth contribution).

        A child contributes to the chain if it carries an ordername, or (a delegation point
        with its own records besides NS) has a record other than NS; it makes the ENT
        authoritative if it is an authoritative name or an authoritative ENT.
        """
        row = self.execute(
            "SELECT count(*), "
            "  max(CASE WHEN ordername IS NOT NULL OR (type IS NOT NULL AND type <> 'NS') "
            "      THEN 1 ELSE 0 END), "
            "  max(CASE WHEN auth = 1 AND (type IS NULL OR type <> 'DS') THEN 1 ELSE 0 END) "
            f"FROM {self.parent_index} WHERE domain_id = ? AND {self.parent_expr} = ? "
            "AND name <> ?",
            (domain_id, db_name(name), db_name(name))).fetchone()
        return bool(row[0]), bool(row[1]), bool(row[2])

    def delete_ids(self, ids: Sequence[int]) -> None:
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            self.execute(f"DELETE FROM records WHERE id IN ({','.join('?' * len(chunk))})",
                         chunk)

    def insert_rows(self, domain_id: int, rows: Iterable[Row]) -> None:
        self.executemany(
            "INSERT INTO records (domain_id, name, type, content, ttl, prio, ordername, auth, "
            "disabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
            ((domain_id, *r) for r in rows))

    def all_rows(self, domain_id: int) -> list[StoredRow]:
        return self._stored(self.execute(
            f"SELECT id, {ROW_COLUMNS} FROM records WHERE domain_id = ? ORDER BY name, type",
            (domain_id,)).fetchall())

    # -- SOA -------------------------------------------------------------------------------
    def soa(self, domain_id: int, zone: str) -> tuple[int, str] | None:
        row = self.execute("SELECT id, content FROM records WHERE domain_id = ? AND name = ? "
                           "AND type = 'SOA'", (domain_id, db_name(zone))).fetchone()
        return (row[0], row[1]) if row else None

    def bump_serial(self, domain_id: int, zone: str, now: float | None = None) -> int:
        """The stored serial becomes the current time (or the old one + 1, if larger): it
        stays below the start of the next signature week, so SOA-EDIT INCEPTION-EPOCH
        moves the served serial when PowerDNS renews the signatures (zonegen.zones)."""
        found = self.soa(domain_id, zone)
        if found is None:
            raise PdnsDbError(f"{zone} has no SOA record")
        soa_id, content = found
        parts = content.split()
        old = int(parts[2])
        clock = int(time.time() if now is None else now)
        # RFC 1982: a jump of 2**31 or more would read as going backwards
        serial = max(old + 1, clock if 0 < clock - old < 2**31 else 0) % 2**32 or 1
        parts[2] = str(serial)
        self.execute("UPDATE records SET content = ? WHERE id = ?", (" ".join(parts), soa_id))
        return serial


class SqlitePdnsDb(PdnsDb):
    path: Path
    _lock_fd: int | None = None

    @classmethod
    def connect(cls, path: Path) -> SqlitePdnsDb:
        if not path.exists():
            raise PdnsDbError(f"PowerDNS database {path} does not exist")
        conn = sqlite3.connect(path, isolation_level=None, timeout=30,
                               check_same_thread=False)
        db = cls(conn)
        db.path = path
        return db

    def _acquire(self, timeout: float) -> None:
        fd = os.open(f"{self.path}.zonegen-lock", os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._lock_fd = fd
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise PdnsDbError("another zonegen writer holds the lock") from None
                time.sleep(0.01)

    def _release(self) -> None:
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @staticmethod
    def create(path: Path) -> None:
        """A fresh gsqlite3 database with PowerDNS's schema, in WAL mode."""
        conn = sqlite3.connect(path)
        try:
            conn.executescript(SQLITE_SCHEMA.read_text())
            conn.execute("PRAGMA journal_mode=WAL")
            conn.commit()
        finally:
            conn.close()

    def ensure_parent_index(self) -> None:
        if not self.parent_index_ready:
            self.execute("CREATE INDEX IF NOT EXISTS pyrar_parent_idx ON records "
                         f"(domain_id, {self.parent_expr})")
            self.parent_index_ready = True


class MysqlPdnsDb(PdnsDb):
    dialect = "mysql"
    parent_expr = "pyrar_parent"
    parent_index = "records FORCE INDEX (pyrar_parent_idx)"
    begin_sql = "START TRANSACTION"

    @classmethod
    def connect(cls, settings: PowerDnsSettings) -> MysqlPdnsDb:
        import pymysql

        try:
            conn = pymysql.connect(host=settings.mysql_host, port=settings.mysql_port,
                                   user=settings.mysql_user, password=settings.mysql_password,
                                   database=settings.mysql_database, autocommit=True,
                                   charset="latin1")
        except pymysql.MySQLError as e:
            raise PdnsDbError(f"cannot reach the PowerDNS database: {e}") from e
        return cls(conn)

    def q(self, sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def _acquire(self, timeout: float) -> None:
        got = self.execute("SELECT GET_LOCK('pyrar_zonegen_writer', ?)",
                           (int(timeout),)).fetchone()[0]
        if got != 1:
            raise PdnsDbError("another zonegen writer holds the lock")

    def _release(self) -> None:
        self.execute("SELECT RELEASE_LOCK('pyrar_zonegen_writer')")

    def ensure_parent_index(self) -> None:
        if self.parent_index_ready:
            return
        have = self.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = DATABASE() "
            "AND table_name = 'records' AND column_name = 'pyrar_parent'").fetchone()[0]
        if not have:
            import pymysql

            try:
                self.execute(
                    "ALTER TABLE records ADD COLUMN pyrar_parent VARCHAR(255) "
                    "AS (SUBSTRING(name, LOCATE('.', name) + 1)) VIRTUAL, "
                    "ADD INDEX pyrar_parent_idx (domain_id, pyrar_parent)")
            except pymysql.MySQLError as e:
                # added meanwhile by another node's PowerDNS or zonegen: on Galera, its
                # ALTER may reach this node just after the look above
                if e.args[0] != DUPLICATE_COLUMN:
                    raise
        self.parent_index_ready = True
