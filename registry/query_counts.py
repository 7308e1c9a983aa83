"""Counting queries for the monthly activity report, cheaply: each process adds up its
queries in memory per service, TLD and minute, and ``flush`` writes them all in one statement
that adds to the rows (any number of processes share them). A flush that fails keeps its
counts for the next one; a process killed loses at most its last unflushed interval.

What is counted: the RDAP and WHOIS queries their servers answer (flushed by the servers
every minute and when they stop), the EPP read commands the core answers (check, info,
transfer query: ``count_read``, in ``Registry.execute``; the registry's own counter writes
itself when the registry is closed and, in a process made from the configuration (the
servers, the CLI), in the background at most once a minute), and the DNS queries the
managed PowerDNS received and answered (zonegen/dns_stats.py, from its counters).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.orm import Session

from .clock import Clock
from .models.query_count import QueryCount

SERVICES = ("rdap", "whois")
# EPP read commands by their command's class, and the activity report's field for each
READ_FIELDS = {
    "DomainCheck": "srs-dom-check", "DomainInfoQuery": "srs-dom-info",
    "DomainTransferQuery": "srs-dom-transfer-query", "HostCheck": "srs-host-check",
    "HostInfoQuery": "srs-host-info", "ContactCheck": "srs-cont-check",
    "ContactInfoQuery": "srs-cont-info", "ContactTransferQuery": "srs-cont-transfer-query"}
# the DNS query counts, the activity report's fields themselves (zonegen/dns_stats.py)
DNS_FIELDS = ("dns-udp-queries-received", "dns-udp-queries-responded",
              "dns-tcp-queries-received", "dns-tcp-queries-responded")
FLUSH_SECONDS = 60.0
log = logging.getLogger("pyrar.query_counts")


class QueryCounter:
    def __init__(self, clock: Clock, registry=None, every: float = FLUSH_SECONDS) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._counts: Counter = Counter()
        # given a registry, a count flushes in a thread of its own once ``every`` s have passed
        self._registry, self._every = registry, every
        self._next = time.monotonic() + every
        self._flushing = False

    def count(self, service: str, tld: str = "", n: int = 1) -> None:
        minute = self.clock.now().replace(second=0, microsecond=0)
        with self._lock:
            self._counts[(service, tld, minute)] += n
            due = (self._registry is not None and not self._flushing
                   and time.monotonic() >= self._next)
            if due:
                self._flushing, self._next = True, time.monotonic() + self._every
        if due:
            threading.Thread(target=self._background, name="query-counts", daemon=True).start()

    def _background(self) -> None:
        try:
            self.flush_quietly(self._registry)
        finally:
            self._flushing = False

    def flush_quietly(self, registry) -> None:
        """``flush``, a failure logged (its counts kept for the next flush)."""
        try:
            self.flush(registry)
        except Exception as e:
            log.warning("query counts not written (kept for the next try): %s",
                        " ".join(str(e).split())[:300])

    def flush(self, registry) -> int:
        """Write what was counted (``registry``: a registry.service.Registry); the number of
        queries written. Raises what the database raised, the counts kept."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        if not counts:
            return 0
        try:
            # its own transaction, not a task's: no actor, no policy cache to clear
            registry.db.run(lambda session: add(session, counts))
        except BaseException:
            with self._lock:
                self._counts.update(counts)
            raise
        return sum(counts.values())


def add(session: Session, counts: Counter) -> None:
    """Add ``counts`` ({(service, tld, minute): n}) to the rows, in one statement."""
    table = QueryCount.__table__
    rows = [{"service": s, "tld": t, "minute": m, "count": n}
            for (s, t, m), n in sorted(counts.items())]
    if session.get_bind().dialect.name in ("mysql", "mariadb"):
        insert = mysql.insert(table).values(rows)
        statement = insert.on_duplicate_key_update(count=table.c.count + insert.inserted.count)
    else:
        insert = sqlite.insert(table).values(rows)
        statement = insert.on_conflict_do_update(
            index_elements=["service", "tld", "minute"],
            set_={"count": table.c.count + insert.excluded.count})
    session.execute(statement)


def totals(session: Session, start: datetime, end: datetime, tld: str | None = None
           ) -> dict[str, int | None]:
    """Each service's queries in [start, end): of no one TLD, and of ``tld`` (None: all).
    The DNS fields are None when no row of them falls in the period: PowerDNS was not
    watched then (no managed server), which is no count of zero."""
    stmt = (select(QueryCount.service, func.sum(QueryCount.count))
            .where(QueryCount.minute >= start, QueryCount.minute < end)
            .group_by(QueryCount.service))
    if tld is not None:
        stmt = stmt.where(QueryCount.tld.in_(("", tld)))
    found = dict(session.execute(stmt).all())
    counted: dict[str, int | None] = {
        s: int(found.get(s) or 0) for s in (*SERVICES, *READ_FIELDS.values())}
    for s in DNS_FIELDS:
        counted[s] = None if found.get(s) is None else int(found[s])
    return counted


async def flush_periodically(counter: QueryCounter, registry,
                             seconds: float = FLUSH_SECONDS) -> None:
    """A server's task: ``counter`` flushed every ``seconds`` (in a thread: it writes to the
    database) until cancelled; a failed flush is logged and its counts wait for the next."""
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(seconds)
        await flush_logged(counter, registry, loop)


async def flush_logged(counter: QueryCounter, registry, loop=None) -> None:
    loop = loop or asyncio.get_running_loop()
    await loop.run_in_executor(None, counter.flush_quietly, registry)


def count_read(counter: QueryCounter, command) -> None:
    """An EPP read command answered: counted under its report field, a domain command for
    each TLD its names are in."""
    field = READ_FIELDS.get(type(command).__name__)
    if field is None:
        return
    if field.startswith("srs-dom-"):
        names = getattr(command, "names", None) or (command.name,)
        for tld in {str(n).rstrip(".").rpartition(".")[2].lower() for n in names}:
            counter.count(field, tld)
    else:
        counter.count(field)
