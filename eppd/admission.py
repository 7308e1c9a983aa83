"""Who may hold a connection that has not logged in yet.

A connection costs a socket and a TLS state from its first byte; until it has logged in,
nothing vouches for it. Each worker lets one source address hold at most a few such
connections, so a flood from one address cannot crowd out registrars; a connection counts
from its accept until its session logs in or it closes.
"""

from __future__ import annotations

import logging
from collections import Counter

from twisted.internet.interfaces import IReactorTime

log = logging.getLogger("eppd.connections")
# Refusals are counted and told at most this often per address: a flood must not become a
# flood of log lines.
REPORT_EVERY_SECONDS = 10.0


class Admission:
    def __init__(self, max_pending_per_address: int, clock: IReactorTime) -> None:
        self._max = max_pending_per_address
        self._clock = clock
        self._pending: Counter[str] = Counter()
        self._refused: Counter[str] = Counter()
        self._reported_at: dict[str, float] = {}

    def admit(self, address: str) -> bool:
        """Count a new connection from ``address``; False (not counted) when it holds its
        share of connections not logged in already."""
        if self._pending[address] >= self._max:
            self._refuse(address)
            return False
        self._pending[address] += 1
        return True

    def release(self, address: str) -> None:
        """The connection logged in or closed."""
        self._pending[address] -= 1
        if self._pending[address] <= 0:
            del self._pending[address]

    def pending(self, address: str) -> int:
        return self._pending[address]

    def _refuse(self, address: str) -> None:
        self._refused[address] += 1
        now = self._clock.seconds()
        if now - self._reported_at.get(address, -REPORT_EVERY_SECONDS) >= REPORT_EVERY_SECONDS:
            log.warning("%s: %d connection(s) refused: %d not logged in already (the most "
                        "one address may hold)", address, self._refused.pop(address),
                        self._max)
            self._reported_at[address] = now
