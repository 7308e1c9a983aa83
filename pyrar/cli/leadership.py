"""Service commands that run once per cluster (``--every``): wait for the lease, work under
it, stop when it is lost (registry.leases)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from registry.leases import Leadership, LeaseLost, LeaseState

from .context import CliError


@contextlib.contextmanager
def singleton(ctx, name: str, stop: threading.Event) -> Iterator[Leadership | None]:
    """Wait (a standby, reported ready) until this node holds the lease ``name``, then yield
    the Leadership (its ``fenced`` registry for the work); None when ``stop`` came first. A
    lost lease sets ``stop`` and ends the command with a one-line error (exit 1), so that
    ``pyrar serve`` starts it again, as a standby."""
    leader = Leadership.from_config(ctx.registry(migrate=True), ctx.config, name,
                                    on_lost=stop.set)

    def standing_by(state: LeaseState) -> None:
        print(f"{name}: this node ({leader.node}) stands by; {state.holder} holds the lease",
              flush=True)
        ctx.ready()

    if leader.acquire(stop, standing_by) is None:
        yield None
        return
    print(f"{name}: this node ({leader.node}) holds the lease (epoch {leader.held.epoch})",
          flush=True)
    try:
        yield leader
    except LeaseLost as e:
        raise CliError(f"{e}; stopped") from None
    finally:
        leader.release()
    if leader.lost.is_set():
        raise CliError(f"{LeaseLost(name)}; stopped")
