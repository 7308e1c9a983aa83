"""The consumer loop every component runs for its events: claim, handle, settle, wait.

At least once: a row is deleted only after the handler acknowledged it, which it does once
the effect is done, so a crash between the effect and the acknowledgement delivers the row
again; handlers are idempotent. Two kinds of trouble are told apart:

- a row failed (the handler calls ``Batch.fail``): counted, backed off with the injected
  clock, dead-lettered after ``RetryPolicy.max_attempts``;
- the infrastructure is down (the handler raises one of ``outages``, or the database is
  unreachable): nothing is counted, the loop waits with backoff and tries the same rows
  again, and says so once when it starts and once when it ends.

A lease lost under a consumer that runs once per cluster (registry.leases) stops it the same
way, said in one line. Any other exception is a bug: the loop logs it and calls
``on_fatal``, which by default takes the process down (SIGTERM to itself) so that its
supervisor (``pyrar serve``, systemd) starts it afresh. A thread that ends quietly while its
process lives on is never an option.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable

from ..clock import Clock, SystemClock
from ..leases import LeaseLost
from ..outage import DATABASE_OUTAGES, Outage, is_database_outage
from .delivery import Batch, RetryPolicy
from .routes import CONSUMER_NAME
from .store import EventStore
from .wake import Doorbell

log = logging.getLogger("pyrar.events.consumer")


def terminate_process(error: BaseException) -> None:
    """The default end of a loop that met a bug: the process's own SIGTERM handling stops it
    (exit status non-zero or by signal), and its supervisor restarts it."""
    os.kill(os.getpid(), signal.SIGTERM)


class Consumer:
    def __init__(self, store: EventStore, name: str, handle: Callable[[Batch], None], *,
                 batch_size: int = 100, poll_interval: float = 1.0,
                 retry: RetryPolicy | None = None, clock: Clock | None = None,
                 doorbell: Doorbell | None = None,
                 outages: tuple[type[BaseException], ...] = (),
                 tick: Callable[[], float | None] | None = None,
                 after_outage: Callable[[], None] | None = None,
                 outage_backoff: tuple[float, float] = (0.1, 30.0),
                 on_fatal: Callable[[BaseException], None] = terminate_process,
                 coalesce: float = 0.0) -> None:
        """``handle`` does the batch's effects; ``tick``, called before each claim, does the
        handler's own timed work and returns how long the loop may sleep at most (None: the
        poll interval); ``after_outage`` resets what an outage may have broken (connections).
        ``coalesce``: under load (rung again while a pass ran), wait this many seconds more
        before the next claim, so that a pass takes the events of several commits rather
        than one or two; 0: claim again at once. A wake-up into an idle loop is served at
        once either way.
        """
        if not CONSUMER_NAME.match(name):
            raise ValueError(f"bad consumer name {name!r}")
        self.store, self.name, self.handle = store, name, handle
        self.batch_size, self.poll_interval = batch_size, poll_interval
        self.retry = retry or RetryPolicy()
        self.clock = clock or SystemClock()
        self.doorbell = doorbell or Doorbell()
        self.outages = outages + DATABASE_OUTAGES
        self.tick, self.after_outage = tick, after_outage
        self.outage_backoff = outage_backoff
        self.on_fatal = on_fatal
        self.coalesce = coalesce

    def wake(self) -> None:
        """Cut the current wait short (a producer in this process, or ``stop``)."""
        self.doorbell.ring()

    def run_once(self) -> Batch | None:
        """One pass: claim the due rows, hand them over, settle what the handler did (also
        when it raised: then the exception follows). None when nothing was due."""
        deliveries = self.store.claim(self.name, self.clock.now(), self.batch_size)
        if not deliveries:
            return None
        batch = Batch(deliveries)
        try:
            self.handle(batch)
        finally:
            self._settle(batch)
        return batch

    def _settle(self, batch: Batch) -> None:
        if not batch.settled:
            return
        by_id = {d.id: d for d in batch.deliveries}
        now = self.clock.now()
        failures = [self.retry.failure(by_id[i], error, now)
                    for i, error in batch.failed.items() if i in by_id]
        for f in failures:
            if f.dead_at is not None:
                log.error("events consumer %s: event %d dead-lettered after %d attempts: %s",
                          self.name, f.id, f.attempts, f.error)
        acked = [i for i in dict.fromkeys(batch.acked) if i in by_id and i not in batch.failed]
        self.store.settle(self.name, acked, failures)

    def run(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set (then call ``wake`` to end the wait at once)."""
        outage = Outage(log, f"events consumer {self.name}", first=self.outage_backoff[0],
                        most=self.outage_backoff[1])
        try:
            while not stop.is_set():
                try:
                    most = self.tick() if self.tick is not None else None
                    if self.coalesce:
                        # the rings of what this claim sees: one left after the pass is then
                        # a commit made during it (less the claim's own short window)
                        self.doorbell.wait(0)
                    batch = self.run_once()
                except Exception as e:
                    if not (isinstance(e, self.outages) or is_database_outage(e)):
                        raise
                    delay = outage.failed(e)
                    if self.after_outage is not None:
                        self.after_outage()
                    stop.wait(delay)
                    continue
                outage.recovered()
                full = batch is not None and len(batch.deliveries) >= self.batch_size
                if batch is not None and batch.settled and (full or not self.coalesce):
                    continue  # more may be due at once
                wait = self.poll_interval if most is None else min(most, self.poll_interval)
                if self.coalesce and batch is not None and wait > 0 and self.doorbell.wait(0):
                    # commits rang while the pass ran (what they wrote is not claimed yet):
                    # let a few more come, then take them in one pass. A ring is sent after
                    # its commit, so the claim that follows sees every one drained meanwhile.
                    stop.wait(min(self.coalesce, wait))
                    continue
                self.doorbell.wait(wait)
        except LeaseLost as e:  # another node leads now: this one stops, as it must
            log.error("events consumer %s stopped: %s", self.name, e)
            self.on_fatal(e)
        except Exception as e:
            log.critical("events consumer %s stopped by an unexpected error", self.name,
                         exc_info=True)
            self.on_fatal(e)
