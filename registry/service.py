"""The registry as its callers see it: run a command as an actor, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .clock import Clock, SystemClock
from .config import Config, RegistrySettings
from .db import Database
from .errors import EppError
from .flows.context import Actor, FlowContext
from .flows.dispatch import FLOWS, PREFETCH, READ_ONLY
from .policy_cache import PolicyCache
from .poll import queue_info, queue_infos
from .values import Response, Trid


class Registry:
    """Owns the database and the clock; every EPP, web, CLI and scheduler call comes here."""

    def __init__(self, db: Database, clock: Clock | None = None,
                 settings: RegistrySettings | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.settings = settings or RegistrySettings()
        self.policy = PolicyCache(self.settings.policy_cache_seconds)

    @classmethod
    def from_config(cls, config: Config, clock: Clock | None = None) -> Registry:
        return cls(Database.from_config(config), clock,
                   config.section("registry", RegistrySettings))

    def execute(self, command: Any, actor: Actor, trid: Trid | None = None) -> Response:
        """Run the flow for ``command``; raises the flow's EppError after rolling back."""
        flow = FLOWS.get(type(command))
        if flow is None:
            raise TypeError(f"no flow handles {type(command).__name__}")
        trid = trid or Trid.new()

        def work(session):
            ctx = FlowContext(session, self.clock.now(), actor, trid, self.settings,
                              flow.__name__, self.policy)
            result = flow(ctx, command)
            queue = queue_info(session, actor.registrar_id) if actor.is_registrar else None
            return Response(result, trid, queue)

        return self.db.run(work)

    def execute_batch(self, items: Sequence[tuple[Any, Actor, Trid]]
                      ) -> list[Response | EppError]:
        """Run many read-only commands (checks, infos...) in one transaction.

        What a busy server gains: one transaction and a few queries for a whole batch of
        checks instead of several per command. Each command still runs its own flow and gets
        its own Response, or the EppError it ended with, in order.
        """
        for command, _, _ in items:
            if type(command) not in READ_ONLY:
                raise TypeError(f"{type(command).__name__} cannot run in a read-only batch")

        def work(session):
            now = self.clock.now()
            shared = FlowContext(session, now, Actor.system(), Trid(), self.settings,
                                 "batch", self.policy)
            for kind, prefetch in PREFETCH.items():
                commands = [c for c, _, _ in items if type(c) is kind]
                if commands:
                    prefetch(shared, commands)
            queues = queue_infos(session, {a.registrar_id for _, a, _ in items
                                           if a.is_registrar})
            out: list[Response | EppError] = []
            for command, actor, trid in items:
                flow = FLOWS[type(command)]
                ctx = FlowContext(session, now, actor, trid, self.settings, flow.__name__,
                                  self.policy, shared.prefetched)
                try:
                    out.append(Response(flow(ctx, command), trid,
                                        queues.get(actor.registrar_id)))
                except EppError as e:
                    out.append(e)
            return out

        return self.db.run(work)

    def run(self, work: Callable[[FlowContext], Any], actor: Actor | None = None,
            command: str = "") -> Any:
        """Run an operator or system task that is not an EPP command, still in one transaction."""
        trid = Trid.new()

        def in_tx(session):
            ctx = FlowContext(session, self.clock.now(), actor or Actor.system(), trid,
                              self.settings, command or getattr(work, "__name__", "task"),
                              self.policy)
            return work(ctx)

        try:
            return self.db.run(in_tx)
        finally:
            self.policy.clear()  # the task may have changed a TLD

    def close(self) -> None:
        self.db.dispose()
