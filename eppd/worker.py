"""One worker process: the asyncio reactor, the shared listening socket, the sessions."""

from __future__ import annotations

import asyncio
import ctypes
import io
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eppd.channel import SinkFactory
from eppd.config import EppdSettings

if TYPE_CHECKING:  # the listener imports Twisted, which must wait for the reactor's install
    from eppd.listener import WorkerLoad

log = logging.getLogger("eppd.worker")
LOG_FLUSH_SECONDS = 0.2

# Builds the sink factory inside the worker, after the reactor exists. Must be picklable
# (a module-level function or a functools.partial of one): workers are spawned, not forked.
AppBuilder = Callable[[object, EppdSettings], SinkFactory]


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs; ``settings`` paths are already absolute."""

    settings: EppdSettings
    build: AppBuilder
    name: str = "eppd"


def run_worker(spec: WorkerSpec, sock: socket.socket, load: WorkerLoad) -> None:
    """Serve on the supervisor's listening ``sock`` until the reactor stops (SIGTERM/SIGINT);
    ``load`` is this worker's slot among the workers' connection counts."""
    _die_with_supervisor()
    handler = configure_logging(spec.name, spec.settings.log_frames)
    from twisted.internet import asyncioreactor

    asyncioreactor.install(asyncio.new_event_loop())
    from twisted.internet import reactor
    from twisted.internet.task import LoopingCall

    LoopingCall(handler.flush_now).start(LOG_FLUSH_SECONDS, now=False)
    reactor.addSystemEventTrigger("after", "shutdown", handler.flush_now)

    from eppd.framing import EppFrameFactory
    from eppd.listener import listen_tls
    from eppd.tls import ServerTLS

    settings = spec.settings
    make_sink = spec.build(reactor, settings)
    factory = EppFrameFactory(make_sink, settings.max_frame_bytes, settings.handshake_timeout,
                              reactor, settings.max_pending_per_address)
    tls = ServerTLS(settings.cert, settings.key, settings.ca)
    port = listen_tls(reactor, sock, tls, factory, load)
    sock.close()  # the port holds its own duplicate
    log.info("%s listening on %s", spec.name, port.getHost())
    _stop_once_on_signals(reactor)
    reactor.run(installSignalHandlers=False)
    # Stopped: what is left is the interpreter's exit, which puts SIGTERM and SIGINT back to
    # their defaults (not an ignored one), so a late second signal of a Ctrl-C would kill the
    # worker (-15) instead of letting it exit 0
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_IGN)


def _stop_once_on_signals(reactor) -> None:
    """SIGTERM and SIGINT stop the reactor, once. Ctrl-C signals the whole process group,
    then the supervisor sends SIGTERM as well: Twisted's own handlers would queue a second
    stop(), which raises ReactorNotRunning and logs a traceback."""
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        log.info("%s: stopping", signal.Signals(signum).name)
        reactor.callFromThread(reactor.stop)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)


def _die_with_supervisor() -> None:
    """SIGTERM when the supervisor dies, even by SIGKILL: an orphaned worker would keep
    accepting on the old listening socket, holding the port the next supervisor binds."""
    parent = multiprocessing.parent_process()
    if sys.platform != "linux" or parent is None:
        return
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent.pid:      # it died before the prctl
        raise SystemExit(1)


class BufferedLogHandler(logging.StreamHandler):
    """Writes log lines in batches: one line per command must not cost a write system call
    per command. The reactor flushes it every LOG_FLUSH_SECONDS; warnings go out at once."""

    def flush(self) -> None:
        pass  # StreamHandler flushes after every record; flush_now does it on our schedule

    def emit(self, record: logging.LogRecord) -> None:
        super().emit(record)
        if record.levelno >= logging.WARNING:
            self.flush_now()

    def flush_now(self) -> None:
        with self.lock:
            self.stream.flush()


class SecondCachingFormatter(logging.Formatter):
    """Formats each second's timestamp once, not once per line."""

    _second: int = -1
    _text: str = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        if second != self._second:
            self._second = second
            self._text = time.strftime(self.default_time_format, self.converter(second))
        return f"{self._text},{int(record.msecs):03d}"


def configure_logging(name: str, log_frames: bool) -> BufferedLogHandler:
    from twisted.logger import STDLibLogObserver, globalLogBeginner

    stream = io.TextIOWrapper(io.BufferedWriter(io.FileIO(sys.stderr.fileno(), "w",
                                                          closefd=False), 1 << 16),
                              write_through=False, line_buffering=False)
    handler = BufferedLogHandler(stream)
    handler.setFormatter(SecondCachingFormatter(
        f"%(asctime)s {name}[{os.getpid()}] %(levelname)s %(name)s: %(message)s"))
    # A line per command: skip what each record would gather and no line uses (the logging
    # documentation's own advice for speed); the pid is in the format already.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    if log_frames:
        logging.getLogger("eppd.frames").setLevel(logging.DEBUG)
    globalLogBeginner.beginLoggingTo([STDLibLogObserver()], redirectStandardIO=False)
    return handler
