"""One registrar's flood of commands cannot keep another's waiting for long: commands that
wait (for a batch, for a backend thread) are served registrar by registrar in turn."""

from __future__ import annotations

import threading

from twisted.internet import task

from eppd.backend import CommandReply
from eppd.call_batches import BatchingCalls
from eppd.calls import InlineCalls, ThreadPoolCalls
from eppd.fair_queue import FairQueue


def test_the_fair_queue_takes_each_key_in_turn():
    queue: FairQueue[str] = FairQueue()
    for n in range(5):
        queue.put("flood", f"f{n}")
    queue.put("quiet", "q0")
    queue.put("other", "o0")
    queue.put("quiet", "q1")
    assert len(queue) == 8
    assert queue.take_many(4) == ["f0", "q0", "o0", "f1"]
    assert [queue.take() for _ in range(4)] == ["q1", "f2", "f3", "f4"]
    assert not queue


class Backend:
    """Batchable requests are (registrar, number) pairs; records each batch."""

    def __init__(self) -> None:
        self.batches: list[list] = []

    def execute(self, request):
        return CommandReply(1000)

    def batchable(self, request) -> bool:
        return True

    def execute_many(self, requests, may_wait):
        self.batches.append(list(requests))
        return [CommandReply(1000) for _ in requests]


def test_a_batch_takes_every_waiting_registrar_in_turn():
    clock, backend = task.Clock(), Backend()
    calls = BatchingCalls(InlineCalls(), backend, clock, max_size=4)
    for n in range(100):
        calls.run(backend.execute, ("flood", n), share="flood")
    calls.run(backend.execute, ("quiet", 0), share="quiet")
    clock.advance(0)
    # before: the quiet registrar's check waited behind 25 batches of the flood
    assert backend.batches[0] == [("flood", 0), ("quiet", 0), ("flood", 1), ("flood", 2)]


class CallingReactor:
    """Runs what a thread hands back on that thread: enough to watch the order of calls."""

    def callFromThread(self, fn, *args):
        fn(*args)

    def addSystemEventTrigger(self, *args):
        pass


def test_backend_threads_serve_registrars_in_turn():
    pool = ThreadPoolCalls(CallingReactor(), size=1)
    order: list[str] = []
    busy, release = threading.Event(), threading.Event()

    def first() -> None:
        busy.set()
        release.wait(10)
        order.append("flood 0")

    pool.run(first, share="flood")
    pool.start(CallingReactor())
    assert busy.wait(10)  # the only thread is taken; the rest must wait in the queue
    for n in range(1, 6):
        pool.run(order.append, f"flood {n}", share="flood")
    pool.run(order.append, "quiet 0", share="quiet")
    release.set()
    pool.stop()  # once everything queued has run
    assert order == ["flood 0", "flood 1", "quiet 0", "flood 2", "flood 3", "flood 4",
                     "flood 5"]
