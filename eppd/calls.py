"""Running blocking backend calls off the reactor thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from twisted.internet import defer, threads
from twisted.internet.interfaces import IReactorCore, IReactorThreads
from twisted.python.threadpool import ThreadPool

T = TypeVar("T")


class CallRunner(Protocol):
    def run(self, fn: Callable[..., T], *args: Any) -> defer.Deferred[T]:
        """Call ``fn(*args)`` somewhere; the Deferred fires on the reactor thread."""
        ...


class InlineCalls:
    """Calls on the reactor thread: for backends that never block (tests, the floor)."""

    def run(self, fn: Callable[..., T], *args: Any) -> defer.Deferred[T]:
        return defer.maybeDeferred(fn, *args)


class ThreadPoolCalls:
    """A dedicated pool, sized like the database connection pool so no thread waits for one."""

    def __init__(self, reactor: IReactorThreads, size: int, name: str = "eppd-backend") -> None:
        self._reactor = reactor
        self._pool = ThreadPool(minthreads=1, maxthreads=size, name=name)

    def start(self, reactor: IReactorCore) -> None:
        self._pool.start()
        reactor.addSystemEventTrigger("during", "shutdown", self._pool.stop)

    def run(self, fn: Callable[..., T], *args: Any) -> defer.Deferred[T]:
        return threads.deferToThreadPool(self._reactor, self._pool, fn, *args)
