"""TLD rows shared by one process's commands for a few seconds.

Every command needs its TLD's policy and TLDs change rarely, so a process keeps them for
``ttl`` seconds: an operator's change reaches running servers within that time (and at
once in the process that made it, which clears the cache). The cache hands out transient
copies that no session ever holds, so threads may share them; flows only read them and link
new rows to a TLD by ``tld_id``.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Tld


class TldCache:
    def __init__(self, ttl: float = 0.0) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Tld]] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, name: str) -> Tld | None:
        now = time.monotonic()
        entry = self._entries.get(name)
        if entry is not None and entry[0] > now:
            return entry[1]
        row = session.execute(select(Tld.__table__).where(Tld.name == name)).first()
        if row is None:
            return None  # not cached: a TLD added a moment later must be seen
        tld = Tld(**row._mapping)
        if self.ttl > 0:
            with self._lock:
                self._entries[name] = (now + self.ttl, tld)
        return tld

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
