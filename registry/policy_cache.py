"""TLD policy and prices shared by one process's commands for a few seconds.

Every command needs its TLD's policy, and billable ones its prices; both change rarely, so a
process keeps them for ``ttl`` seconds: an operator's change reaches running servers within
that time (and at once in the process that made it, which clears the cache). The cache hands
out transient copies that no session ever holds, so threads may share them; flows only read
them and link new rows to a TLD by ``tld_id``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from . import idn
from .models import IdnTable, LaunchPhase, PremiumRule, Price, ReservedName, Tld
from .models.registrar import registrars

T = TypeVar("T")
MAX_CACHED_RESERVED = 100_000


@dataclass(frozen=True)
class RegexRule:
    pattern: re.Pattern
    class_name: str
    currency: str
    prices: dict[str, int | None]  # by operation


@dataclass(frozen=True)
class PriceBook:
    """A TLD's standard prices, its premium regular expressions (oldest first), and whether it
    has exact-name premium rules (those stay in the database: there may be very many)."""

    standard: dict[tuple[str, str], int]  # (operation, currency) -> amount
    regexes: tuple[RegexRule, ...]
    has_names: bool


class PolicyCache:
    def __init__(self, ttl: float = 0.0) -> None:
        self.ttl = ttl
        self._entries: dict[tuple, tuple[float, object]] = {}
        self._registrars: dict[int, tuple[str, str]] = {}  # id -> (clid, currency)
        self._lock = threading.Lock()

    def tld(self, session: Session, name: str) -> Tld | None:
        return self._get(("tld", name), lambda: _load_tld(session, name=name))

    def tld_by_id(self, session: Session, tld_id: int) -> Tld:
        return self._get(("tld_id", tld_id), lambda: _load_tld(session, tld_id=tld_id))

    def clid(self, session: Session, registrar_id: int) -> str:
        """A registrar's clid (never changes once created, so kept for the process's life)."""
        return self._registrar(session, registrar_id)[0]

    def currency(self, session: Session, registrar_id: int) -> str:
        """A registrar's billing currency (fixed when it is created, kept like its clid)."""
        return self._registrar(session, registrar_id)[1]

    def _registrar(self, session: Session, registrar_id: int) -> tuple[str, str]:
        found = self._registrars.get(registrar_id)
        if found is None:
            found = tuple(session.execute(select(registrars.c.clid, registrars.c.currency)
                                          .where(registrars.c.id == registrar_id)).one())
            self._registrars[registrar_id] = found
        return found

    def price_book(self, session: Session, tld_id: int) -> PriceBook:
        return self._get(("prices", tld_id), lambda: _load_prices(session, tld_id))

    def reserved(self, session: Session, tld_id: int, label: str) -> str | None:
        """Why a label is reserved, or None: from the TLD's cached list when it is short
        enough to hold in memory, else one query."""
        labels = self._get(("reserved", tld_id), lambda: _load_reserved(session, tld_id))
        if labels is not None:
            return labels.get(label)
        return session.scalar(select(ReservedName.reason).where(
            ReservedName.tld_id == tld_id, ReservedName.label == label))

    def launch_phases(self, session: Session, tld_id: int) -> tuple[LaunchPhase, ...]:
        """The TLD's launch phases, running or not (launch.phases picks by time)."""
        return self._get(("phases", tld_id), lambda: _load_phases(session, tld_id))

    def idn_tables(self, session: Session, tld_id: int) -> tuple[idn.Table, ...]:
        return self._get(("idn", tld_id), lambda: load_idn_tables(session, tld_id))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _get(self, key: tuple, load: Callable[[], T]) -> T:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load()
        if value is not None and self.ttl > 0:  # a TLD added a moment later must be seen
            with self._lock:
                self._entries[key] = (now + self.ttl, value)
        return value


def _load_tld(session: Session, name: str | None = None, tld_id: int | None = None
              ) -> Tld | None:
    key = Tld.id == tld_id if tld_id is not None else Tld.name == name
    row = session.execute(select(Tld.__table__).where(key)).first()
    return None if row is None else Tld(**row._mapping)


def _load_phases(session: Session, tld_id: int) -> tuple[LaunchPhase, ...]:
    return tuple(LaunchPhase(**row._mapping) for row in session.execute(
        select(LaunchPhase.__table__).where(LaunchPhase.tld_id == tld_id)))


def load_idn_tables(session: Session, tld_id: int) -> tuple[idn.Table, ...]:
    """The TLD's tables in tag order: the order registration tries them in."""
    return tuple(
        idn.Table(row.tag, row.version, tuple(map(tuple, row.ranges)),
                  tuple(map(tuple, row.variants)))
        for row in session.execute(select(IdnTable.__table__).where(
            IdnTable.tld_id == tld_id).order_by(IdnTable.tag)))


def _load_reserved(session: Session, tld_id: int) -> dict[str, str] | None:
    rows = session.execute(select(ReservedName.label, ReservedName.reason).where(
        ReservedName.tld_id == tld_id).limit(MAX_CACHED_RESERVED + 1)).all()
    return None if len(rows) > MAX_CACHED_RESERVED else dict(rows)


def _load_prices(session: Session, tld_id: int) -> PriceBook:
    standard = {(op, cur): amount for op, cur, amount in session.execute(
        select(Price.operation, Price.currency, Price.amount).where(Price.tld_id == tld_id))}
    regexes = tuple(
        RegexRule(re.compile(r.pattern), r.class_name, r.currency,
                  {"create": r.create, "renew": r.renew, "transfer": r.transfer,
                   "restore": r.restore})
        for r in session.scalars(select(PremiumRule).where(
            PremiumRule.tld_id == tld_id, PremiumRule.kind == "regex").order_by(PremiumRule.id)))
    has_names = bool(session.scalar(select(exists().where(
        PremiumRule.tld_id == tld_id, PremiumRule.kind == "name"))))
    return PriceBook(standard, regexes, has_names)
