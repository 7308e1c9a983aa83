"""The registry as its callers see it: run a command as an actor, in one transaction."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from . import batch_reads, commit
from .clock import Clock, SystemClock
from .command_size import check_command_size
from .config import Config, EventSettings, RegistrySettings
from .db import Database, ReadOnlyViolation
from .errors import EppError
from .events.delivery import RetryPolicy
from .events.wake import Wakeup
from .flows import domain_check, domain_info
from .flows.context import Actor, FlowContext
from .flows.dispatch import (
    FLOWS,
    PURE_READS,
    READ_ONLY,
    REGISTRY_ACTORS,
    flow_for,
    require_kind,
)
from .policy_cache import PolicyCache
from .poll import queue_info
from .query_counts import FLUSH_SECONDS, QueryCounter, count_read
from .values import Response, Trid

T = TypeVar("T")


class Registry:
    """Owns the database and the clock; every EPP, web, CLI and scheduler call comes here."""

    def __init__(self, db: Database, clock: Clock | None = None,
                 settings: RegistrySettings | None = None, wakeup: Wakeup | None = None,
                 events: EventSettings | None = None,
                 count_flush_seconds: float | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.settings = settings or RegistrySettings()
        self.policy = PolicyCache(self.settings.policy_cache_seconds)
        # tells the consumers of the events a commit wrote (in-process only by default)
        self.wakeup = wakeup or Wakeup()
        self.events = events or EventSettings()
        # run last in every transaction that wrote (fenced)
        self.fence: Callable[[Session], None] | None = None
        # The read commands answered, for the monthly activity report: written when the
        # registry is closed, and with count_flush_seconds (a server's registry, from its
        # configuration) in the background at most that often.
        self.queries = QueryCounter(self.clock, self if count_flush_seconds else None,
                                    count_flush_seconds or FLUSH_SECONDS)

    @classmethod
    def from_config(cls, config: Config, clock: Clock | None = None) -> Registry:
        events = config.section("events", EventSettings)
        return cls(Database.from_config(config), clock,
                   config.section("registry", RegistrySettings),
                   Wakeup(config.resolve(events.run_dir)), events, FLUSH_SECONDS)

    @property
    def retry_policy(self) -> RetryPolicy:
        """How consumers retry failed events, from ``[events]``."""
        e = self.events
        return RetryPolicy(e.max_attempts, e.retry_first_seconds, e.retry_max_seconds)

    def execute(self, command: Any, actor: Actor, trid: Trid | None = None) -> Response:
        """Run the flow for ``command``; raises the flow's EppError after rolling back."""
        flow = self._admit(command, actor)  # before the transaction: a refusal reads nothing
        trid = trid or Trid.new()
        count_read(self.queries, command)

        def work(session, wake):
            ctx = FlowContext(session, self.clock.now(), actor, trid, self.settings,
                              flow.__name__, self.policy, wake=wake)
            result = flow(ctx, command)
            queue = None
            if actor.is_registrar:
                # Read with the flow's first query when it could be (in this transaction's
                # snapshot, so the same answer), unless the flow queued a message since.
                queue = ctx.prefetched.get("queues", {}).get(actor.registrar_id)
                if queue is None:
                    queue = queue_info(session, actor.registrar_id)
            return Response(result, trid, queue)

        return self._commit(work)

    def fenced(self, fence: Callable[[Session], None]) -> Registry:
        """This registry for work that runs once per cluster (registry.leases): each of its
        transactions that wrote runs ``fence`` last, which raises when the lease it runs
        under is no longer this node's, and the transaction rolls back."""
        fenced = copy.copy(self)
        fenced.fence = fence
        return fenced

    def _commit(self, work: Callable[[Session, set[str]], T]) -> T:
        """``work`` in one transaction (Database.run), then, once it has committed, wake the
        consumers it wrote events for (``work`` gets the set for its FlowContexts)."""
        wake: set[str] = set()

        def attempt(session: Session) -> T:
            wake.clear()  # a retried transaction starts afresh
            result = work(session, wake)
            if self.fence is not None and commit.has_written(session):
                self.fence(session)
            return result

        result = self.db.run(attempt)
        if wake:
            self.wakeup.notify(wake)
        return result

    def read(self, work: Callable[[Session], T], *, snapshot: bool = False,
             seconds: float | None = None) -> T:
        """Run ``work`` on a read-only session (Database.run_reads; ``snapshot``: all its
        statements see one snapshot): for components' reads outside any command, so the
        core owns every transaction. ``seconds``: a budget longer than a command's, for a
        bulk export (an escrow deposit reads a whole TLD in one snapshot)."""
        return (self.db.run_snapshot_reads if snapshot else self.db.run_reads)(work, seconds)

    def execute_batch(self, items: Sequence[tuple[Any, Actor, Trid]], *,
                      may_wait: bool = True) -> list[Response | EppError]:
        """Run many read-only commands (checks, infos...) together.

        What a busy server gains: the names of every check and the queue state of every
        caller come in one round trip, and a batch of pure reads (checks, poll requests)
        needs no transaction at all. Each command still runs its own flow and gets its own
        Response, or the EppError it ended with, in order.

        Other batches run in a transaction, except with ``may_wait`` False (eppd's reactor
        thread): then in one read-only snapshot that never locks. A command that must settle
        due lifecycle events first (a write, which may wait on a lock) sends a pure or
        snapshot batch to a transaction, or, ``may_wait`` False, raises MustWait, nothing
        changed.
        """
        for command, _, _ in items:
            if type(command) not in READ_ONLY:
                raise TypeError(f"{type(command).__name__} cannot run in a read-only batch")
        refused = self._refusals(items)
        if refused:  # answered here, so that the batch reads nothing for them
            allowed = [item for i, item in enumerate(items) if i not in refused]
            done = iter(self.execute_batch(allowed, may_wait=may_wait) if allowed else ())
            return [refused[i] if i in refused else next(done) for i in range(len(items))]
        for command, _, _ in items:
            count_read(self.queries, command)
        now = self.clock.now()
        pure = all(type(c) in PURE_READS for c, _, _ in items)
        if pure or not may_wait:
            reads = self.db.run_reads if pure else self.db.run_snapshot_reads
            try:
                return reads(lambda session: self._batch(session, items, now, writes=False))
            except (MustWait, ReadOnlyViolation):
                if not may_wait:
                    raise MustWait from None
        return self._commit(lambda session, wake: self._batch(session, items, now, writes=True,
                                                               wake=wake))

    def _batch(self, session, items, now, *, writes: bool,
               wake: set[str] | None = None) -> list[Response | EppError]:
        wake = set() if wake is None else wake  # a read-only batch writes no event
        shared = FlowContext(session, now, Actor.system(), Trid(), self.settings, "batch",
                             self.policy, wake=wake)
        parsed = domain_check.batch_names(
            shared, [c for c, _, _ in items if type(c) is domain_check.DomainCheck])
        names = [p[0].name for p in parsed.values() if not isinstance(p, EppError)]
        reads = batch_reads.load(session.connection(), names,
                                 {a.registrar_id for _, a, _ in items if a.is_registrar}, now)
        if not writes and reads.anything_due():
            raise MustWait  # a checked domain must be settled, which writes
        shared.prefetched["domains"] = reads.domains
        shared.prefetched["parsed_names"] = parsed
        infos = [c for c, _, _ in items if type(c) is domain_info.DomainInfoQuery]
        if infos:
            domain_info.prefetch(shared, infos)
        out: list[Response | EppError] = []
        for command, actor, trid in items:
            flow = FLOWS[type(command)]
            ctx = FlowContext(session, now, actor, trid, self.settings, flow.__name__,
                              self.policy, shared.prefetched, wake=wake)
            try:
                out.append(Response(flow(ctx, command), trid, reads.queues.get(
                    actor.registrar_id)))
            except EppError as e:
                out.append(e)
        return out

    def run(self, work: Callable[[FlowContext], Any], actor: Actor | None = None,
            command: str = "") -> Any:
        """Run an operator or system task that is not an EPP command, still in one transaction."""
        actor = actor or Actor.system()
        command = command or getattr(work, "__name__", "task")
        require_kind(actor, REGISTRY_ACTORS, command)
        trid = Trid.new()

        def in_tx(session, wake):
            ctx = FlowContext(session, self.clock.now(), actor, trid, self.settings, command,
                              self.policy, wake=wake)
            return work(ctx)

        try:
            return self._commit(in_tx)
        finally:
            self.policy.clear()  # the task may have changed a TLD

    def close(self) -> None:
        self.queries.flush_quietly(self)
        self.wakeup.close()
        self.db.dispose()

    def _admit(self, command: Any, actor: Actor) -> Callable[[FlowContext, Any], Any]:
        """The flow for ``command`` if ``actor`` may run it and it is not oversized; raises
        the refusal otherwise, before anything is read."""
        flow = flow_for(command, actor)
        check_command_size(command, self.settings.max_objects_per_command)
        return flow

    def _refusals(self, items: Sequence[tuple[Any, Actor, Trid]]) -> dict[int, EppError]:
        """The commands of a batch refused by ``_admit``, by position."""
        refused = {}
        for index, (command, actor, _) in enumerate(items):
            try:
                self._admit(command, actor)
            except EppError as e:
                refused[index] = e
        return refused


class MustWait(Exception):
    """A read-only batch found lifecycle events to settle, which writes and may wait on a
    lock: run it again in a transaction, where waiting is harmless."""
