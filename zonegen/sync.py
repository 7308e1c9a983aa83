"""Full reconcile: make a TLD zone in PowerDNS hold exactly the desired delegations.

The desired rows (with their ordername/auth, ENTs and the apex) are streamed into a temporary
table of the PowerDNS database; SQL then finds the rows to add and to remove, and only those
are written, in one transaction. Python never holds the zone in memory, so 1M delegations
fit in a small process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from zonegen.model import Delegation, ZoneDataError, ZoneSpec
from zonegen.names import ancestors_between, db_name, nsec_ordername
from zonegen.pdnsdb import DomainInfo, PdnsDb, PdnsDbError
from zonegen.records import apex_records, delegation_records
from zonegen.rectify import Row, ent_row, rectify

Progress = Callable[[str, int, int | None], None]
COLUMNS = ("name", "type", "content", "ttl", "prio", "ordername", "auth")
CHUNK = 5000


@dataclass(frozen=True)
class Difference:
    """One way PowerDNS's rows differ from the registry's: ``missing`` (the registry has it,
    PowerDNS not), ``unexpected`` (PowerDNS has it, the registry not), ``rectify`` (the same
    record with other auth/ordername: ``row`` is PowerDNS's, ``wanted`` the registry's),
    ``disabled`` or ``duplicate`` (PowerDNS rows the writer never makes)."""

    kind: str
    row: Row
    wanted: Row | None = None

    def text(self) -> str:
        r = self.row
        record = (f"{r.name}. {r.ttl} {r.type} {r.content}" if r.type is not None
                  else f"{r.name}. (empty non-terminal)")
        if self.kind == "rectify" and self.wanted is not None:
            return (f"{record}: auth/ordername {r.auth}/{r.ordername} in PowerDNS, "
                    f"{self.wanted.auth}/{self.wanted.ordername} wanted")
        return {"missing": f"missing from PowerDNS: {record}",
                "unexpected": f"not in the registry: {record}",
                "disabled": f"disabled in PowerDNS: {record}",
                "duplicate": f"stored twice in PowerDNS: {record}"}[self.kind]


@dataclass(frozen=True)
class SyncResult:
    zone: str
    delegations: int
    desired_rows: int
    inserted: int
    deleted: int
    serial: int | None
    seconds: float

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.deleted)


def _noop(stage: str, done: int, total: int | None) -> None:
    return None


class ZoneSync:
    """Compute and apply the difference between the desired zone and PowerDNS's tables."""

    def __init__(self, db: PdnsDb, flush: Callable[[str], object] | None = None) -> None:
        self.db = db
        self.flush = flush

    def sync(self, spec: ZoneSpec, delegations: Iterable[Delegation],
             progress: Progress | None = None, dry_run: bool = False,
             on_error: Callable[[Delegation, str], None] | None = None,
             rewrite: bool = False,
             differences: Callable[[Difference], None] | None = None) -> SyncResult:
        """Reconcile; a delegation the zone cannot hold raises, or with ``on_error`` is
        reported and left out (so not published). ``rewrite`` replaces every row instead of
        the differences (for damage a set comparison cannot see, such as duplicate rows).
        ``differences`` is given each difference found, streamed in name order (``zone
        verify``: with ``dry_run``, a comparison of the whole zone with the registry)."""
        with self.db.writer_lock():
            return self._sync(spec, delegations, progress or _noop, dry_run, on_error,
                              rewrite, differences)

    def _sync(self, spec: ZoneSpec, delegations: Iterable[Delegation], progress: Progress,
              dry_run: bool, on_error: Callable[[Delegation, str], None] | None,
              rewrite: bool, differences: Callable[[Difference], None] | None
              ) -> SyncResult:
        started = time.monotonic()
        info = self.db.domain(spec.name)
        if info is None:
            raise PdnsDbError(f"zone {spec.name} does not exist in PowerDNS")
        self.db.ensure_parent_index()
        self._create_temp_tables()
        try:
            count, total_rows = self._load_desired(spec, info, delegations, progress,
                                                   on_error)
            progress("compare", 0, None)
            inserts, deletes = self._compare(info, rewrite)
            if differences is not None and not rewrite:
                deletes += self._report(info, differences)
            progress("compare", inserts + deletes, inserts + deletes)
            serial = None
            if (inserts or deletes) and not dry_run:
                progress("apply", 0, inserts + deletes)
                with self.db.transaction():
                    self._apply(info, rewrite)
                    serial = self.db.bump_serial(info.id, spec.name)
                progress("apply", inserts + deletes, inserts + deletes)
                if self.flush is not None:
                    self.flush(spec.name)
        finally:
            self._drop_temp_tables()
        return SyncResult(spec.name, count, total_rows, inserts, deletes, serial,
                          time.monotonic() - started)

    # -- temp tables ---------------------------------------------------------------------
    @property
    def _temp(self) -> str:
        return "TEMPORARY" if self.db.dialect == "mysql" else "TEMP"

    def _create_temp_tables(self) -> None:
        self._drop_temp_tables()
        cols = ("name VARCHAR(255), type VARCHAR(10), content VARCHAR(65000), ttl INTEGER, "
                "prio INTEGER, ordername VARCHAR(255), auth INTEGER")
        if self.db.dialect == "mysql":
            cols = cols.replace("VARCHAR(65000)", "TEXT") + \
                ", KEY (name)"
            # PowerDNS's records table is latin1 with a binary ordername; compare alike
            suffix = " CHARACTER SET latin1 COLLATE latin1_bin"
        else:
            suffix = ""
        self.db.execute(f"CREATE {self._temp} TABLE pyrar_desired ({cols}){suffix}")

    def _drop_temp_tables(self) -> None:
        for t in ("pyrar_desired", "pyrar_insert", "pyrar_extra"):
            if self.db.dialect == "mysql":
                self.db.execute(f"DROP TEMPORARY TABLE IF EXISTS {t}")
            else:
                self.db.execute(f"DROP TABLE IF EXISTS temp.{t}")

    def _insert_desired(self, rows: list[Row]) -> None:
        self.db.executemany(
            f"INSERT INTO pyrar_desired ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows)

    # -- desired state -------------------------------------------------------------------
    def _load_desired(self, spec: ZoneSpec, info: DomainInfo,
                      delegations: Iterable[Delegation], progress: Progress,
                      on_error: Callable[[Delegation, str], None] | None
                      ) -> tuple[int, int]:
        zone, denial = spec.name, info.denial
        apex = rectify(zone, denial, apex_records(spec), ent_root=None).rows
        soa = self.db.soa(info.id, zone)
        serial = int(soa[1].split()[2]) if soa else 1
        if denial.nsec3:
            apex_order = denial.hash(zone)
        else:
            apex_order = nsec_ordername(zone, zone) if denial.secured else None
        apex.append(Row(db_name(zone), "SOA", spec.soa_content(serial), spec.soa_ttl, 0,
                        apex_order, 1))
        above: dict[str, list[bool]] = {}
        for host in spec.in_zone_hosts:
            for name in ancestors_between(host, zone):
                above[name] = [True, denial.nsec3]
        buf = list(apex)
        count = 0
        for d in delegations:
            try:
                spec.check(d)
            except ZoneDataError as e:
                if on_error is None:
                    raise
                on_error(d, str(e))
                continue
            part = rectify(zone, denial, delegation_records(spec, d), ent_root=d.name)
            buf += part.rows
            for name in ancestors_between(d.name, zone):
                flags = above.setdefault(name, [False, False])
                flags[0] = flags[0] or part.auth_up
                flags[1] = flags[1] or part.nsec3_up
            count += 1
            if len(buf) >= CHUNK:
                self._insert_desired(buf)
                buf = []
                progress("load", count, None)
        if buf:
            self._insert_desired(buf)
        if self.db.dialect == "sqlite":
            self.db.execute("CREATE INDEX temp.pyrar_desired_name ON pyrar_desired (name)")
        ents = []
        for name, (auth, nsec3) in above.items():
            real = self.db.execute("SELECT type FROM pyrar_desired WHERE name = ? AND "
                                   "type IS NOT NULL", (db_name(name),)).fetchall()
            if any(r[0] == "NS" for r in real):
                raise ZoneDataError(f"delegations exist below the delegation {name}")
            if not real:
                ents.append(ent_row(name, denial, auth, nsec3))
        if ents:
            self._insert_desired(ents)
        progress("load", count, count)
        return count, self._count("pyrar_desired")

    def _count(self, table: str) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    # -- difference ----------------------------------------------------------------------
    def _compare(self, info: DomainInfo, rewrite: bool) -> tuple[int, int]:
        cols = ", ".join(COLUMNS)
        if rewrite:
            existing = self.db.execute("SELECT count(*) FROM records WHERE domain_id = ?",
                                       (info.id,)).fetchone()[0]
            return self._count("pyrar_desired"), int(existing)
        current = f"SELECT {cols} FROM records WHERE domain_id = {int(info.id)} AND disabled = 0"
        self.db.execute(f"CREATE {self._temp} TABLE pyrar_insert AS "
                        f"SELECT {cols} FROM pyrar_desired EXCEPT {current}")
        self.db.execute(f"CREATE {self._temp} TABLE pyrar_extra AS "
                        f"{current} EXCEPT SELECT {cols} FROM pyrar_desired")
        disabled = self.db.execute("SELECT count(*) FROM records WHERE domain_id = ? AND "
                                   "disabled <> 0", (info.id,)).fetchone()[0]
        return self._count("pyrar_insert"), self._count("pyrar_extra") + int(disabled)

    def _report(self, info: DomainInfo, report: Callable[[Difference], None]) -> int:
        """Stream the differences the comparison left in pyrar_insert/pyrar_extra, a page at
        a time (memory stays flat whatever their number), then disabled and duplicate rows;
        returns how many duplicates there are (a set comparison counts none of them)."""
        cols = ", ".join(COLUMNS)
        union = (f"SELECT 'missing' AS side, {cols} FROM pyrar_insert UNION ALL "
                 f"SELECT 'unexpected', {cols} FROM pyrar_extra ORDER BY 2, 3, 4, 1")
        held: Difference | None = None
        for side, *values in self._pages(union):
            current = Difference(side, Row(*values))
            if held is not None and held.row[:5] == current.row[:5]:
                # the same record on both sides: only auth/ordername differ
                report(Difference("rectify", current.row, held.row))
                held = None
                continue
            if held is not None:
                report(held)
            held = current
        if held is not None:
            report(held)
        for values in self._pages(f"SELECT {cols} FROM records WHERE domain_id = "
                                  f"{int(info.id)} AND disabled <> 0 ORDER BY 1, 2, 3"):
            report(Difference("disabled", Row(*values)))
        duplicates = 0
        for *values, copies in self._pages(
                f"SELECT {cols}, count(*) FROM records WHERE domain_id = {int(info.id)} AND "
                f"disabled = 0 GROUP BY {cols} HAVING count(*) > 1 ORDER BY 1, 2, 3"):
            report(Difference("duplicate", Row(*values)))
            duplicates += int(copies) - 1
        return duplicates

    def _pages(self, query: str, size: int = CHUNK) -> Iterator[tuple]:
        offset = 0
        while True:
            rows = self.db.execute(f"{query} LIMIT {size} OFFSET {offset}").fetchall()
            yield from rows
            if len(rows) < size:
                return
            offset += size

    def _apply(self, info: DomainInfo, rewrite: bool) -> None:
        cols = ", ".join(COLUMNS)
        if rewrite:
            self.db.execute("DELETE FROM records WHERE domain_id = ?", (info.id,))
            self.db.execute(f"INSERT INTO records (domain_id, disabled, {cols}) "
                            f"SELECT ?, 0, {cols} FROM pyrar_desired", (info.id,))
            return
        if self.db.dialect == "mysql":
            match = " AND ".join(f"r.{c} <=> x.{c}" for c in COLUMNS)
            self.db.execute(f"DELETE r FROM records r JOIN pyrar_extra x ON {match} "
                            "WHERE r.domain_id = ? AND r.disabled = 0", (info.id,))
        else:
            # CROSS JOIN fixes the loop order: each (few) extra row looks up its name in
            # PowerDNS's (domain_id, name, type) index; the unary + keeps SQLite from using
            # the ordername index instead (most ordernames are NULL: a zone scan per row)
            match = " AND ".join(f"r.{c} IS x.{c}" if c in ("name", "type")
                                 else f"+r.{c} IS x.{c}" for c in COLUMNS)
            self.db.execute(
                "DELETE FROM records WHERE id IN (SELECT r.id FROM pyrar_extra x CROSS JOIN "
                f"records r ON r.domain_id = ? AND r.name = x.name AND {match} "
                "WHERE r.disabled = 0)", (info.id,))
        self.db.execute("DELETE FROM records WHERE domain_id = ? AND disabled <> 0", (info.id,))
        self.db.execute(f"INSERT INTO records (domain_id, disabled, {cols}) "
                        f"SELECT ?, 0, {cols} FROM pyrar_insert", (info.id,))
