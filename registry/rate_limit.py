"""Per client address token buckets for the public services (RDAP, WHOIS): ``rate`` queries
a second on average, ``burst`` at once."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    # forget addresses idle long enough to have a full bucket again, past this many
    MAX_TRACKED = 100_000

    def __init__(self, rate: float, burst: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # address: (tokens, at)

    def admit(self, address: str) -> float:
        """0 when admitted (a token taken), else the seconds until a token is there."""
        now = self.clock()
        tokens, at = self._buckets.get(address, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens < 1:
            self._buckets[address] = (tokens, now)
            return (1 - tokens) / self.rate
        if len(self._buckets) >= self.MAX_TRACKED and address not in self._buckets:
            self._forget_full(now)
        self._buckets[address] = (tokens - 1, now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        full = [a for a, (t, at) in self._buckets.items()
                if t + (now - at) * self.rate >= self.burst]
        for address in full:
            del self._buckets[address]
