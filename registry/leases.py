"""Leader leases: the work that must run once per cluster runs on the node holding its lease.

Several PyRar nodes over one database (docs/scale-out.md) run the same components, but zone
publication, the lifecycle scheduler, CDS scans, escrow deposits and the registrar's jobs
must each run on one node at a time. Each is a named lease, a row of ``leases`` (Galera does
not replicate ``GET_LOCK``, and a lock would die with its connection anyway):

- **acquire**: a node takes a lease nobody holds, one whose ``expires_at`` has passed by its
  own clock (the injected one), or one its own node holds (a restarted process takes over
  from its dead predecessor at once). Every change of holder adds one to ``epoch``.
- **renew**: the holder moves ``expires_at`` to now + ``lease_seconds`` every
  ``renew_seconds``. A holder that cannot renew before its lease expires stops its work.
- **take over**: a standby node looks every ``renew_seconds``, so it holds the lease within
  ``lease_seconds + renew_seconds`` of the holder's last renewal (plus the nodes' clock skew,
  which NTP keeps to milliseconds; fencing does not depend on it).
- **fencing**: every transaction of the holder's work that writes also runs ``fence`` last:
  it updates the lease row where holder and epoch are still its own and the lease has not
  expired, or raises LeaseLost and the transaction rolls back. It writes (``fenced`` + 1)
  rather than reads: Galera certifies writes, so a deposed leader's transaction racing the
  takeover on another node fails certification instead of committing; on one server the row
  lock orders the two. Work done by a deposed leader after its lease ended cannot commit.
  PowerDNS's database on the same server is fenced the same way in its own transactions
  (zonegen.lease_fence); other effects (files, mail) are not: see docs/scale-out.md.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .clock import Clock
from .config import ClusterSettings, Config
from .models import Lease
from .outage import Outage, is_database_outage

if TYPE_CHECKING:
    from .service import Registry

log = logging.getLogger("pyrar.leases")

# The named singletons and what each covers (docs/scale-out.md)
ZONE_PUBLICATION = "zone-publication"   # zone serve: the dns and hosted consumers, CDS scans
LIFECYCLE = "lifecycle"                 # lifecycle run --every: the registry's lifecycle
ESCROW = "escrow"                       # escrow run --every: the scheduled deposits
REGISTRAR_JOBS = "registrar-jobs"       # web serve: the mail consumer, registrar lifecycle
SINGLETONS = (ZONE_PUBLICATION, LIFECYCLE, ESCROW, REGISTRAR_JOBS)


class LeaseLost(Exception):
    """The lease this work runs under is no longer ours: the work must not commit."""

    def __init__(self, name: str) -> None:
        super().__init__(f"lease {name} lost: another node holds it or it expired")
        self.name = name


@dataclass(frozen=True)
class LeaseState:
    """A lease as its row stands."""

    name: str
    holder: str
    epoch: int
    expires_at: datetime


def current(session: Session, name: str, *, lock: bool = False) -> LeaseState | None:
    query = select(Lease.holder, Lease.epoch, Lease.expires_at).where(Lease.name == name)
    row = session.execute(query.with_for_update() if lock else query).first()
    return None if row is None else LeaseState(name, *row)


def try_acquire(session: Session, name: str, node: str, clock: Clock, seconds: float
                ) -> tuple[LeaseState | None, bool]:
    """The lease as it stands after trying to take it for ``node``, and whether ``node``
    took it now (with a new epoch). A concurrent first insert on another connection raises
    IntegrityError (one server) or a certification conflict (Galera): try again."""
    # Locked first: a frozen holder's transaction may hold the row (until the server ends
    # it, registry.deadlines), and the lease must count from when we got it, not from when
    # we asked. On Galera the lock is this node's only; certification orders the nodes.
    seen = current(session, name, lock=True)
    now = clock.now()
    until = now + timedelta(seconds=seconds)
    values = {"holder": node, "acquired_at": now, "renewed_at": now, "expires_at": until,
              "fenced": 0}
    if seen is None:
        session.execute(insert(Lease).values(name=name, epoch=1, **values))
        return LeaseState(name, node, 1, until), True
    if seen.holder != node and seen.expires_at > now:
        return seen, False
    taken = session.execute(
        update(Lease).where(Lease.name == name, Lease.epoch == seen.epoch,
                            or_(Lease.expires_at <= now, Lease.holder == node))
        .values(epoch=seen.epoch + 1, **values)).rowcount
    if not taken:
        return current(session, name), False
    return LeaseState(name, node, seen.epoch + 1, until), True


def renew(session: Session, held: LeaseState, now: datetime, seconds: float
          ) -> LeaseState | None:
    """``held`` with its new expiry, or None when it is no longer ours (another epoch). One
    that expired without anybody taking it is renewed: nobody held it meanwhile."""
    until = now + timedelta(seconds=seconds)
    renewed = session.execute(
        update(Lease).where(Lease.name == held.name, Lease.holder == held.holder,
                            Lease.epoch == held.epoch)
        .values(renewed_at=now, expires_at=until)).rowcount
    return replace(held, expires_at=until) if renewed else None


def fence(session: Session, held: LeaseState, now: datetime) -> None:
    """In the work's own transaction, last: raises LeaseLost unless ``held`` is still the
    lease and unexpired at ``now``."""
    ours = session.execute(
        update(Lease).where(Lease.name == held.name, Lease.holder == held.holder,
                            Lease.epoch == held.epoch, Lease.expires_at > now)
        .values(fenced=Lease.fenced + 1)).rowcount
    if not ours:
        raise LeaseLost(held.name)


def release(session: Session, held: LeaseState, now: datetime) -> bool:
    """A clean stop: the lease expires now, so a standby node takes it at its next look."""
    return bool(session.execute(
        update(Lease).where(Lease.name == held.name, Lease.holder == held.holder,
                            Lease.epoch == held.epoch)
        .values(expires_at=now)).rowcount)


class Leadership:
    """This process's hold on one named lease: ``acquire`` waits until this node holds it
    and returns the registry to do the work with (its writing transactions fenced); a thread
    renews it from then on; ``on_lost`` is called once if it is lost (another node took it,
    or it expired while the database could not be reached), and the work must stop."""

    def __init__(self, registry: Registry, name: str, settings: ClusterSettings,
                 on_lost: Callable[[], None]) -> None:
        self.registry, self.name, self.settings = registry, name, settings
        self.node = settings.node
        self.on_lost = on_lost
        self.held: LeaseState | None = None
        # the registry whose writing transactions are fenced by the lease, once held
        self.fenced: Registry | None = None
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self._retry_in: float | None = None  # after a failed renewal: sooner than usual
        self._outage = Outage(log, f"lease {name}", first=0.1, most=settings.renew_seconds)

    @classmethod
    def from_config(cls, registry: Registry, config: Config, name: str,
                    on_lost: Callable[[], None]) -> Leadership:
        """The lease ``name`` for this node, as ``[cluster]`` configures it."""
        return cls(registry, name, config.section("cluster", ClusterSettings), on_lost)

    def _run(self, work: Callable[[Session], object], command: str) -> object:
        return self.registry.run(lambda ctx: work(ctx.session), command=command)

    def try_once(self) -> LeaseState | None:
        """One attempt; the lease as it stands (None: no row yet, or an outage)."""
        try:
            state, won = self._run(lambda s: try_acquire(s, self.name, self.node,
                                                         self.registry.clock,
                                                         self.settings.lease_seconds),
                                   "lease_acquire")
        except IntegrityError:
            return None  # another node inserted it first: look again
        if won:
            self.held = state
            log.info("lease %s: held by this node (%s), epoch %d", self.name, self.node,
                     state.epoch)
        return state

    def acquire(self, stop: threading.Event,
                standing_by: Callable[[LeaseState], None] = lambda _state: None,
                renew: bool = True) -> Registry | None:
        """Wait until this node holds the lease (None if ``stop`` is set first); then the
        registry whose writing transactions are fenced by it. ``standing_by`` is called once
        with the lease if another node holds it (the process serves, as a standby)."""
        told = False
        while not stop.is_set():
            try:
                state = self.try_once()
            except Exception as e:
                if not is_database_outage(e):
                    raise
                stop.wait(self._outage.failed(e))
                continue
            self._outage.recovered()
            if self.held is not None:
                if renew:
                    self._renewer = threading.Thread(target=self._renew_loop,
                                                     name=f"lease-{self.name}", daemon=True)
                    self._renewer.start()
                self.fenced = self.registry.fenced(self.fence)
                return self.fenced
            if state is not None and not told:
                told = True
                log.info("lease %s: held by %s until %s; this node (%s) stands by", self.name,
                         state.holder, state.expires_at.isoformat(timespec="seconds"),
                         self.node)
                standing_by(state)
            stop.wait(self.settings.renew_seconds)
        return None

    def fence(self, session: Session) -> None:
        """Registry.fenced's hook: for a transaction that wrote, the lease must still be ours."""
        fence(session, self.holding(), self.registry.clock.now())

    def holding(self) -> LeaseState:
        """The lease as this process holds it; raises LeaseLost once it is not. For a fence
        in a transaction of another database on the same server (PowerDNS's, zonegen)."""
        held = self.held
        if held is None or self.lost.is_set():
            raise LeaseLost(self.name)
        return held

    def confirm(self) -> None:
        """Raise LeaseLost unless the lease is still ours: before an effect outside the
        database (a file, an upload), which no transaction can fence."""
        self._run(self.fence, "lease_confirm")

    def renew_once(self) -> bool:
        """One renewal; False once the lease is lost (``on_lost`` has been called)."""
        held = self.held
        if held is None or self.lost.is_set():
            return False
        now = self.registry.clock.now()
        try:
            renewed = self._run(lambda s: renew(s, held, now, self.settings.lease_seconds),
                                "lease_renew")
        except Exception as e:
            if not is_database_outage(e):
                raise
            self._retry_in = self._outage.failed(e)
            if self.registry.clock.now() < held.expires_at:
                return True  # it holds until then; try again
            renewed = None
        else:
            self._outage.recovered()
            self._retry_in = None
        if renewed is None:
            self._lose()
            return False
        self.held = renewed
        return True

    def _lose(self) -> None:
        if self.lost.is_set():
            return
        self.lost.set()
        log.error("lease %s lost by this node (%s): stopping its work", self.name, self.node)
        self.on_lost()

    def _renew_loop(self) -> None:
        wait = self.settings.renew_seconds
        while not self._stop.wait(wait):
            try:
                if not self.renew_once():
                    return
            except Exception:
                log.critical("lease %s: renewing failed unexpectedly", self.name,
                             exc_info=True)
                self._lose()
                return
            # while the database is away, try again sooner than a renewal period
            wait = min(self._retry_in or self.settings.renew_seconds,
                       self.settings.renew_seconds)

    def release(self) -> None:
        """Stop renewing and, if it is still ours, let the lease go at once."""
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(10)
        held, self.held = self.held, None
        if held is None or self.lost.is_set():
            return
        try:
            self._run(lambda s: release(s, held, self.registry.clock.now()), "lease_release")
        except Exception as e:
            if not is_database_outage(e):
                raise
            log.warning("lease %s: not released (%s); it expires by itself", self.name, e)
