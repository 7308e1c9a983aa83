"""Assembling the EPP sessions of one worker process from configuration and a backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from twisted.internet.base import ReactorBase
from twisted.internet.interfaces import IReactorTime

from eppd.backend import Backend
from eppd.calls import CallRunner, InlineCalls, ThreadPoolCalls
from eppd.channel import Channel, FrameSink, Peer, SinkFactory
from eppd.config import EppdSettings
from eppd.limits import FileLockSessionLimiter, LocalSessionLimiter, SessionLimiter
from eppd.reader import ValidatingReader
from eppd.session import EppSession, FrameReader, SessionPolicy, SessionServices
from eppd.transactions import SvTridSource
from registry.config import Config, DatabaseSettings, RegistrySettings

BackendFactory = Callable[[Config], Backend]


def session_factory(clock: IReactorTime, settings: EppdSettings, server_id: str,
                    backend: Backend, calls: CallRunner, reader: FrameReader,
                    limiter: SessionLimiter | None = None) -> SinkFactory:
    """A sink factory whose sessions share one backend, limiter and svTRID source."""
    services = SessionServices(
        policy=SessionPolicy(
            server_id=server_id,
            idle_timeout=settings.idle_timeout,
            login_failures_before_close=settings.login_failures_before_close,
            log_frames=settings.log_frames,
        ),
        backend=backend,
        reader=reader,
        calls=calls,
        limiter=limiter or LocalSessionLimiter(settings.max_sessions_per_registrar),
        sv_trids=SvTridSource(_trid_prefix(server_id)),
        clock=clock,
    )

    def make_sink(peer: Peer, channel: Channel) -> FrameSink:
        return EppSession(services, peer, channel)

    return make_sink


def build_epp_sessions(config: Config, backend_factory: BackendFactory, slots_dir: Path,
                       reactor: ReactorBase, settings: EppdSettings) -> SinkFactory:
    """Runs inside a worker once its reactor exists: backend, thread pool, reader.

    ``slots_dir`` is shared by all workers, so the session limit holds across them.
    """
    registry = config.section("registry", RegistrySettings)
    database = config.section("database", DatabaseSettings)
    calls = backend_calls(reactor, settings, database)
    backend = backend_factory(config)
    # A backend may route some calls its own way (the core batches read-only commands).
    wrap_calls = getattr(backend, "wrap_calls", None)
    if wrap_calls is not None:
        calls = wrap_calls(calls, reactor)
    limiter = FileLockSessionLimiter(slots_dir, settings.max_sessions_per_registrar)
    return session_factory(reactor, settings, registry.server_id, backend, calls,
                           ValidatingReader(backend.service_menu), limiter)


def backend_calls(reactor: ReactorBase, settings: EppdSettings,
                  database: DatabaseSettings) -> CallRunner:
    if settings.backend_calls == "inline":
        return InlineCalls()
    pool = ThreadPoolCalls(reactor, size=database.pool_size)
    pool.start(reactor)
    return pool


def _trid_prefix(server_id: str) -> str:
    cleaned = "".join(c for c in server_id if c.isalnum())
    return cleaned[:16] or "EPP"

