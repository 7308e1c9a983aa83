"""Rate limits: so many attempts per key (an address, an account) in a sliding window.

In the web process's memory: the site runs as one process under ``pyrar serve``, and a
restart forgetting the counts costs an attacker's time as much as it saves it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from registrar.errors import TooManyRequests


class RateLimiter:
    """``limit`` attempts per account (or email address typed) in ``window`` seconds, and
    ``address_factor`` times as many per client address (many people share one behind NAT)."""

    def __init__(self, limit: int, window: float, address_factor: int = 10,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self.address_limit = limit * address_factor
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, address: str, account: str = "", *, what: str) -> None:
        """Count one attempt for the address and the account; refuse (nothing counted) if
        either is at its limit."""
        now = self.clock()
        with self._lock:
            keyed = [(self._queue(f"ip:{address}", now), self.address_limit)]
            if account:
                keyed.append((self._queue(account, now), self.limit))
            queues = [q for q, _ in keyed]
            full = [q for q, limit in keyed if len(q) >= limit]
            if full:
                wait = max(q[0] + self.window - now for q in full)
                raise TooManyRequests(f"too many {what}: try again in "
                                      f"{math.ceil(wait)} seconds", math.ceil(wait))
            for q in queues:
                q.append(now)
            if len(self._hits) > 100_000:  # forget idle keys rather than grow for ever
                for key in [k for k, q in self._hits.items() if not q]:
                    del self._hits[key]

    def _queue(self, key: str, now: float) -> deque[float]:
        q = self._hits.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q
