"""Read-only commands waiting at the same time go to the backend as one call.

Wraps the ``CallRunner`` the sessions use. A command the backend calls batchable (a
check, an info...) is queued on the reactor thread; at the end of the reactor iteration,
and whenever a running batch finishes, everything queued goes to
``backend.execute_many`` in one call (so in one thread hop and, in the core backend, one
database transaction). Under load the commands of many sessions share a batch; an idle
server runs each command alone at once. A batch takes the waiting commands of each
registrar in turn (FairQueue), so one registrar's flood cannot fill every batch. A batch
first runs on the reactor thread itself
(a thread hand-off costs more than most batches), told not to wait: a batch that would
wait on a row lock raises WouldWait and runs again on the inner runner. Other commands pass
straight through.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Protocol, TypeVar

from twisted.internet import defer
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.python.failure import Failure

from eppd.backend import CommandReply, CommandRequest
from eppd.calls import CallRunner, InlineCalls
from eppd.fair_queue import FairQueue

T = TypeVar("T")


class BatchingBackend(Protocol):
    def execute(self, request: CommandRequest) -> CommandReply: ...

    def batchable(self, request: CommandRequest) -> bool:
        """True for commands that may share a batch (read-only ones)."""
        ...

    def execute_many(self, requests: Sequence[CommandRequest], may_wait: bool
                     ) -> list[CommandReply | BaseException]:
        """One reply (or the exception it ended with) per request, in order; raises
        WouldWait, having changed nothing, when ``may_wait`` is False and a command would
        have to wait on a lock."""
        ...


# The share of batches on the inner runner: they hold many registrars' commands at once.
BATCHES = "(batches)"


class WouldWait(Exception):
    """A batch told not to wait would have waited on a lock (say, to settle a domain's
    due lifecycle events)."""


class BatchingCalls:
    def __init__(self, inner: CallRunner, backend: BatchingBackend, clock: IReactorTime,
                 concurrency: int = 1, max_size: int = 64) -> None:
        self._inner = inner
        self._backend = backend
        self._clock = clock
        self._concurrency = concurrency
        self._max_size = max_size
        self._queued: FairQueue[tuple[CommandRequest, defer.Deferred[CommandReply]]] = \
            FairQueue()
        self._running = 0
        self._flush_call: IDelayedCall | None = None
        self._inline = InlineCalls()

    def run(self, fn: Callable[..., T], *args: Any, share: Hashable = None
            ) -> defer.Deferred[T]:
        if fn != self._backend.execute or not self._backend.batchable(args[0]):
            return self._inner.run(fn, *args, share=share)
        d: defer.Deferred[CommandReply] = defer.Deferred()
        self._queued.put(share, (args[0], d))
        self._schedule()
        return d  # type: ignore[return-value]

    def _schedule(self) -> None:
        if self._flush_call is None and self._queued and self._running < self._concurrency:
            # Not now: frames that arrived in this same reactor iteration join the batch.
            self._flush_call = self._clock.callLater(0, self._flush)

    def _flush(self) -> None:
        self._flush_call = None
        if not self._queued or self._running >= self._concurrency:
            return
        batch = self._queued.take_many(self._max_size)
        self._running += 1
        requests = [request for request, _ in batch]
        d = self._inline.run(self._backend.execute_many, requests, False)
        d.addErrback(self._unless_waiting, requests)
        d.addBoth(self._answer, batch)

    def _unless_waiting(self, failure: Failure, requests: list[CommandRequest]
                        ) -> defer.Deferred[list[CommandReply | BaseException]]:
        failure.trap(WouldWait)
        # Waiting on a lock here would stall every session: the inner runner may wait.
        return self._inner.run(self._backend.execute_many, requests, True, share=BATCHES)

    def _answer(self, outcome: list[CommandReply | BaseException] | Failure,
                batch: list[tuple[CommandRequest, defer.Deferred[CommandReply]]]) -> None:
        self._running -= 1
        for index, (_, d) in enumerate(batch):
            result = outcome if isinstance(outcome, Failure) else outcome[index]
            if isinstance(result, BaseException):
                result = Failure(result)
            if isinstance(result, Failure):
                d.errback(result)
            else:
                d.callback(result)
        self._schedule()
