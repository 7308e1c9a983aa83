"""At most one serial change per zone per ``notify_interval``: NOTIFY coalescing.

PowerDNS serves no outgoing IXFR, so each serial change of a TLD makes every secondary
transfer the whole zone (100k delegations: 575k records, 16 s). The records themselves are
written and served at once; only the SOA serial, which is what secondaries follow (NOTIFY on
change, then AXFR), moves at most once per interval: the first change of a quiet zone bumps
it at once, later ones within the interval leave the zone pending, and the drainer bumps the
pending zones when their interval is over (``bump_due``). A secondary is thus at most one
interval (plus PowerDNS's ``xfr-cycle-interval`` for the NOTIFY) behind the primary.

Pending bumps live in memory: a drainer that starts bumps every zone it publishes once
(``pending_all``), so a bump lost with a crashed process is made up for.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from zonegen.pdnsdb import PdnsDb


class SerialCoalescer:
    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._last: dict[str, float] = {}
        self._pending: set[str] = set()

    def claim(self, zone: str) -> bool:
        """Whether a change of ``zone`` may move its serial now; if not, it is pending."""
        now = self.clock()
        if zone not in self._pending and now - self._last.get(zone, -self.interval) \
                >= self.interval:
            self._last[zone] = now
            return True
        self._pending.add(zone)
        return False

    def pending_all(self, zones: Iterable[str]) -> None:
        self._pending.update(zones)

    def due(self) -> list[str]:
        now = self.clock()
        return sorted(z for z in self._pending
                      if now - self._last.get(z, -self.interval) >= self.interval)

    def bumped(self, zone: str) -> None:
        self._pending.discard(zone)
        self._last[zone] = self.clock()

    def next_due(self) -> float | None:
        """Seconds until the next pending zone is due (0 if one is), or None."""
        if not self._pending:
            return None
        now = self.clock()
        return max(0.0, min(self._last.get(z, -self.interval) + self.interval - now
                            for z in self._pending))


def bump_due(db: PdnsDb, serials: SerialCoalescer, flush: Callable[[str], object]) -> list[str]:
    """Move the serial of every zone whose interval is over; returns those zones."""
    done = []
    for zone in serials.due():
        with db.writer_lock():
            info = db.domain(zone)
            if info is not None:
                with db.transaction():
                    db.bump_serial(info.id, zone)
        serials.bumped(zone)
        if info is not None:
            flush(zone)
            done.append(zone)
    return done
