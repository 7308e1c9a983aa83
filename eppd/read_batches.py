"""Read-only commands that wait at the same time share one transaction.

Backend calls run in a thread pool. A thread with a read-only command (check, info, poll
request, transfer query) queues it; if fewer than ``concurrency`` batches are running it
leads a batch of everything queued, otherwise it waits: the batch that finishes hands the
lead to the oldest waiting command, whose thread runs all that queued meanwhile through
``Registry.execute_batch``. Under load this gathers the commands of many sessions into one
transaction and a few queries; when idle a command runs alone, without waiting.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from registry.errors import EppError
from registry.flows.context import Actor
from registry.service import Registry
from registry.values import Response, Trid

log = logging.getLogger("eppd.batches")
Outcome = Response | EppError | BaseException


@dataclass(eq=False)
class _Item:
    command: Any
    actor: Actor
    trid: Trid
    ready: threading.Event = field(default_factory=threading.Event)
    outcome: Outcome | None = None
    lead: bool = False


class ReadBatcher:
    def __init__(self, registry: Registry, concurrency: int = 1, max_batch: int = 64) -> None:
        self._registry = registry
        self._concurrency = concurrency
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queued: list[_Item] = []
        self._running = 0

    def run(self, command: Any, actor: Actor, trid: Trid) -> Response:
        """The command's Response; raises its EppError, as ``Registry.execute`` would."""
        item = _Item(command, actor, trid)
        with self._lock:
            if self._running < self._concurrency:
                self._running += 1
                item.lead = True
            else:
                self._queued.append(item)
        if not item.lead:
            item.ready.wait()  # until answered, or handed the lead
        if item.lead:
            self._lead(item)
        outcome = item.outcome
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _lead(self, first: _Item) -> None:
        """Run ``first`` with what is queued, then hand the lead to the oldest waiting
        command (taken off the queue, so no other leader can take it too)."""
        with self._lock:
            batch = [first, *self._queued[: self._max_batch - 1]]
            del self._queued[: self._max_batch - 1]
        try:
            self._execute(batch)
        finally:
            for item in batch:
                if item.outcome is None:
                    item.outcome = RuntimeError("the batch ended without an answer")
            with self._lock:
                if self._queued:
                    successor = self._queued.pop(0)
                    successor.lead = True
                else:
                    successor = None
                    self._running -= 1
            for item in batch[1:]:
                item.ready.set()
            if successor is not None:
                successor.ready.set()

    def _execute(self, batch: list[_Item]) -> None:
        try:
            outcomes = self._registry.execute_batch(
                [(i.command, i.actor, i.trid) for i in batch])
        except Exception as e:
            if len(batch) == 1:
                batch[0].outcome = e
                return
            # One command broke the shared transaction: run each alone so only it fails.
            log.warning("a batch of %d read-only commands failed; running them one by one",
                        len(batch), exc_info=True)
            for item in batch:
                try:
                    item.outcome = self._registry.execute(item.command, item.actor, item.trid)
                except BaseException as e:  # handed to the command's own thread
                    item.outcome = e
            return
        for item, outcome in zip(batch, outcomes, strict=True):
            item.outcome = outcome
