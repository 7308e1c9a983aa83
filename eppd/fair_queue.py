"""A queue that serves its keys in turn: one registrar's flood of commands waits behind its
own, not in front of everyone else's."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class FairQueue(Generic[T]):
    """Items queued per key and taken round-robin over the keys that have some: an item
    waits for at most one item of each other key ahead of it, however many those keys
    queued. Not thread-safe (ThreadPoolCalls locks around it)."""

    def __init__(self) -> None:
        self._items: dict[Hashable, deque[T]] = {}  # insertion order is the turn order

    def put(self, key: Hashable, item: T) -> None:
        queue = self._items.get(key)
        if queue is None:
            self._items[key] = queue = deque()
        queue.append(item)

    def take(self) -> T:
        """The next item in turn; IndexError when empty."""
        key = next(iter(self._items))
        queue = self._items.pop(key)
        item = queue.popleft()
        if queue:
            self._items[key] = queue  # its next item goes to the back of the turn
        return item

    def take_many(self, limit: int) -> list[T]:
        taken: list[T] = []
        while self._items and len(taken) < limit:
            taken.append(self.take())
        return taken

    def __len__(self) -> int:
        return sum(len(q) for q in self._items.values())

    def __bool__(self) -> bool:
        return bool(self._items)
