"""How many sessions each registrar holds at once in this worker process."""

from __future__ import annotations

from collections import Counter


class SessionLimiter:
    """Per-clid session slots, shared by every connection of one factory."""

    def __init__(self, max_per_registrar: int) -> None:
        self._max = max_per_registrar
        self._held: Counter[str] = Counter()

    def acquire(self, clid: str) -> bool:
        if self._held[clid] >= self._max:
            return False
        self._held[clid] += 1
        return True

    def release(self, clid: str) -> None:
        self._held[clid] -= 1
        if self._held[clid] <= 0:
            del self._held[clid]

    def held(self, clid: str) -> int:
        return self._held[clid]
