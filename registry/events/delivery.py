"""What a consumer's handler gets (a batch of deliveries) and what it says back: which rows
it acknowledges, which failed and why; and the retry policy that turns failures into backoff
and, after so many, the dead letter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Delivery:
    id: int
    kind: str
    payload: dict
    created_at: datetime
    attempts: int       # failed attempts so far


@dataclass(frozen=True)
class Failure:
    """A failed row as it is written back: counted, held back or dead-lettered."""

    id: int
    attempts: int
    error: str
    not_before: datetime | None
    dead_at: datetime | None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for failed rows, then the dead letter: attempt n waits
    ``first_delay * 2**(n-1)`` seconds (at most ``max_delay``); the ``max_attempts``-th
    failure dead-letters the row."""

    max_attempts: int = 10
    first_delay: float = 1.0
    max_delay: float = 900.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.first_delay < 0 or self.max_delay < self.first_delay:
            raise ValueError("retry policy: max_attempts >= 1, 0 <= first_delay <= max_delay")

    def delay(self, attempts: int) -> float:
        return min(self.max_delay, self.first_delay * 2 ** (attempts - 1))

    def failure(self, delivery: Delivery, error: str, now: datetime) -> Failure:
        attempts = delivery.attempts + 1
        if attempts >= self.max_attempts:
            return Failure(delivery.id, attempts, error, None, now)
        return Failure(delivery.id, attempts, error,
                       now + timedelta(seconds=self.delay(attempts)), None)


@dataclass
class Batch:
    """The rows handed to a handler. It acknowledges each row once its effect is done (the
    row is deleted) or fails it (counted; backoff, then dead letter). A row left neither is
    delivered again at the next pass; if the handler raises, what it acknowledged or failed
    before still counts."""

    deliveries: list[Delivery]
    acked: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)

    def ack(self, ids: Iterable[int]) -> None:
        self.acked.extend(ids)

    def fail(self, id: int, error: str) -> None:
        self.failed[id] = error

    @property
    def settled(self) -> int:
        return len(self.acked) + len(self.failed)
