"""One worker process: the asyncio reactor, a SO_REUSEPORT listener, the sessions."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass

from eppd.channel import SinkFactory
from eppd.config import EppdSettings

log = logging.getLogger("eppd.worker")

# Builds the sink factory inside the worker, after the reactor exists. Must be picklable
# (a module-level function or a functools.partial of one): workers are spawned, not forked.
AppBuilder = Callable[[object, EppdSettings], SinkFactory]


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs; ``settings`` paths are already absolute."""

    settings: EppdSettings
    build: AppBuilder
    name: str = "eppd"


def run_worker(spec: WorkerSpec) -> None:
    """Serve until the reactor stops (SIGTERM/SIGINT)."""
    configure_logging(spec.name, spec.settings.log_frames)
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
    from twisted.internet import reactor

    from eppd.framing import EppFrameFactory
    from eppd.listener import listen_tls
    from eppd.tls import ServerTLS

    settings = spec.settings
    make_sink = spec.build(reactor, settings)
    factory = EppFrameFactory(make_sink, settings.max_frame_bytes, settings.idle_timeout,
                              reactor)
    tls = ServerTLS(settings.cert, settings.key, settings.ca)
    port = listen_tls(reactor, settings.host, settings.port, tls, factory)
    log.info("%s listening on %s", spec.name, port.getHost())
    reactor.run()


def configure_logging(name: str, log_frames: bool) -> None:
    from twisted.logger import STDLibLogObserver, globalLogBeginner

    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO,
        format=f"%(asctime)s {name}[%(process)d] %(levelname)s %(name)s: %(message)s")
    if log_frames:
        logging.getLogger("eppd.frames").setLevel(logging.DEBUG)
    globalLogBeginner.beginLoggingTo([STDLibLogObserver()], redirectStandardIO=False)
