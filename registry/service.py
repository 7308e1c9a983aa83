"""The registry as its callers see it: run a command as an actor, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .clock import Clock, SystemClock
from .config import Config, RegistrySettings
from .db import Database
from .flows.context import Actor, FlowContext
from .flows.dispatch import FLOWS
from .poll import queue_info
from .tld_cache import TldCache
from .values import Response, Trid


class Registry:
    """Owns the database and the clock; every EPP, web, CLI and scheduler call comes here."""

    def __init__(self, db: Database, clock: Clock | None = None,
                 settings: RegistrySettings | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.settings = settings or RegistrySettings()
        self.tld_cache = TldCache(self.settings.tld_cache_seconds)

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
                              flow.__name__, self.tld_cache)
            result = flow(ctx, command)
            queue = queue_info(session, actor.registrar_id) if actor.is_registrar else None
            return Response(result, trid, queue)

        return self.db.run(work)

    def run(self, work: Callable[[FlowContext], Any], actor: Actor | None = None,
            command: str = "") -> Any:
        """Run an operator or system task that is not an EPP command, still in one transaction."""
        trid = Trid.new()

        def in_tx(session):
            ctx = FlowContext(session, self.clock.now(), actor or Actor.system(), trid,
                              self.settings, command or getattr(work, "__name__", "task"),
                              self.tld_cache)
            return work(ctx)

        try:
            return self.db.run(in_tx)
        finally:
            self.tld_cache.clear()  # the task may have changed a TLD

    def close(self) -> None:
        self.db.dispose()
