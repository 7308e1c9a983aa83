"""BatchingCalls: batchable commands queued in one reactor iteration reach the backend as
one call; others pass straight through; failures reach each command's Deferred."""

from __future__ import annotations

from dataclasses import dataclass, field

from twisted.internet import task

from eppd.backend import CommandReply
from eppd.call_batches import BatchingCalls, WouldWait
from eppd.calls import InlineCalls


@dataclass
class Recorder:
    """A backend that answers with the request's number and records how it was called."""

    calls: list[tuple[str, list]] = field(default_factory=list)
    fail_many: bool = False

    def execute(self, request):
        self.calls.append(("execute", [request]))
        return CommandReply(1000, f"single {request}")

    def batchable(self, request) -> bool:
        return request < 100

    def execute_many(self, requests, may_wait):
        if not may_wait and any(r >= 50 for r in requests):
            raise WouldWait  # numbers from 50 up must wait on a lock
        self.calls.append(("many", list(requests)))
        if self.fail_many:
            raise RuntimeError("the batch failed")
        return [CommandReply(1000, f"batched {r}") if r != 13 else ValueError("unlucky")
                for r in requests]


def _collect(d, into):
    d.addCallbacks(lambda reply: into.append(reply.message),
                   lambda failure: into.append(f"failed {failure.value}"))


def test_commands_of_one_iteration_share_a_call_and_keep_their_answers():
    clock, backend = task.Clock(), Recorder()
    calls = BatchingCalls(InlineCalls(), backend, clock)
    answers: list[str] = []
    for n in (1, 2, 3):
        _collect(calls.run(backend.execute, n), answers)
    _collect(calls.run(backend.execute, 500), answers)  # not batchable: runs at once
    assert answers == ["single 500"]
    clock.advance(0)
    assert backend.calls == [("execute", [500]), ("many", [1, 2, 3])]
    assert answers == ["single 500", "batched 1", "batched 2", "batched 3"]


def test_a_failing_command_fails_alone_and_a_failing_batch_fails_each():
    clock, backend = task.Clock(), Recorder()
    calls = BatchingCalls(InlineCalls(), backend, clock)
    answers: list[str] = []
    for n in (12, 13, 14):
        _collect(calls.run(backend.execute, n), answers)
    clock.advance(0)
    assert answers == ["batched 12", "failed unlucky", "batched 14"]
    backend.fail_many = True
    answers.clear()
    for n in (1, 2):
        _collect(calls.run(backend.execute, n), answers)
    clock.advance(0)
    assert answers == ["failed the batch failed"] * 2


def test_commands_queued_while_a_batch_runs_form_the_next_batch():
    """With a runner that answers later (a thread pool), one batch runs at a time (commands
    numbered 50 and up would wait on a lock, so they do go to that runner)."""
    from twisted.internet import defer

    clock, backend = task.Clock(), Recorder()
    pending: list[defer.Deferred] = []

    class Deferring:
        def run(self, fn, *args, share=None):
            d = defer.Deferred()
            pending.append(d)
            d.addCallback(lambda _: fn(*args))
            return d

    calls = BatchingCalls(Deferring(), backend, clock, max_size=2)
    answers: list[str] = []
    _collect(calls.run(backend.execute, 51), answers)
    clock.advance(0)
    for n in (52, 53, 54):
        _collect(calls.run(backend.execute, n), answers)
    clock.advance(0)
    assert len(pending) == 1  # the first batch still runs
    pending[0].callback(None)
    assert answers == ["batched 51"]
    clock.advance(0)
    pending[1].callback(None)
    clock.advance(0)
    pending[2].callback(None)
    assert [c for c in backend.calls] == [("many", [51]), ("many", [52, 53]), ("many", [54])]
    assert answers == ["batched 51", "batched 52", "batched 53", "batched 54"]


def test_batches_run_inline_unless_they_would_wait_then_on_the_inner_runner():
    from twisted.internet import defer

    clock, backend = task.Clock(), Recorder()
    inner: list[list] = []

    class Deferring:
        def run(self, fn, *args, share=None):
            inner.append(args[0])
            return defer.Deferred()  # a thread pool that has not answered yet

    calls = BatchingCalls(Deferring(), backend, clock, concurrency=2)
    answers: list[str] = []
    for n in (1, 2):
        _collect(calls.run(backend.execute, n), answers)
    clock.advance(0)
    assert answers == ["batched 1", "batched 2"] and inner == []  # answered on the spot
    for n in (3, 60):  # 60 would wait on a lock: the whole batch goes to the inner runner
        _collect(calls.run(backend.execute, n), answers)
    clock.advance(0)
    assert inner == [[3, 60]] and answers == ["batched 1", "batched 2"]
    assert backend.calls == [("many", [1, 2])]  # the refused attempt changed nothing
