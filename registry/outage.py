"""Loops that outlive their dependencies: what counts as "the database is down", and how a
loop backs off and reports an outage (one line when it starts, one a minute while it lasts,
one when it ends; no traceback per attempt)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import exc

from .errors import CommandTimedOut, CommitOutcomeUnknown, DatabaseUnavailable

# SQLAlchemy wraps the driver's errors: a server restart shows as OperationalError 2013
# (lost connection) or 2003 (cannot connect), never as pymysql.MySQLError itself. A frozen
# server ends a command's time budget (registry.deadlines), and a connection lost during
# COMMIT may leave its outcome unknown: the work is done again later either way.
DATABASE_OUTAGES: tuple[type[BaseException], ...] = (
    exc.OperationalError, exc.InterfaceError, exc.DisconnectionError, exc.TimeoutError,
    CommandTimedOut, CommitOutcomeUnknown, DatabaseUnavailable)


def is_database_outage(error: BaseException) -> bool:
    """The database (or the connection to it) failed, rather than the statement."""
    if isinstance(error, DATABASE_OUTAGES):
        return True
    return isinstance(error, exc.DBAPIError) and error.connection_invalidated


class Outage:
    """Backoff and log lines for one loop's dependency: ``failed`` after each failed
    attempt returns how long to wait; ``recovered`` after a success."""

    def __init__(self, log: logging.Logger, what: str, *, first: float = 0.1,
                 most: float = 30.0, report_every: float = 60.0,
                 meanwhile: str = "retrying with backoff",
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.log, self.what, self.meanwhile = log, what, meanwhile
        self.first, self.most, self.report_every = first, most, report_every
        self.monotonic = monotonic
        self._lock = threading.Lock()  # eppd's backend threads share one
        self.failures = 0
        self._started = self._reported = 0.0
        self._delay = first

    @property
    def active(self) -> bool:
        return self.failures > 0

    def failed(self, error: BaseException) -> float:
        with self._lock:
            return self._failed(error)

    def _failed(self, error: BaseException) -> float:
        now = self.monotonic()
        message = " ".join(str(error).split())[:300]
        if not self.failures:
            self._started = self._reported = now
            self._delay = self.first
            self.log.warning("%s: unavailable (%s: %s); %s", self.what,
                             type(error).__name__, message, self.meanwhile)
        else:
            self._delay = min(self._delay * 2, self.most)
            if now - self._reported >= self.report_every:
                self._reported = now
                self.log.warning("%s: still unavailable after %d attempts in %.0f s (%s)",
                                 self.what, self.failures + 1, now - self._started, message)
        self.failures += 1
        return self._delay

    def recovered(self) -> None:
        if not self.failures:  # the usual case, without the lock
            return
        with self._lock:
            self._recovered()

    def _recovered(self) -> None:
        if self.failures:
            self.log.warning("%s: available again after %d failed attempts in %.0f s",
                             self.what, self.failures, self.monotonic() - self._started)
            self.failures = 0
