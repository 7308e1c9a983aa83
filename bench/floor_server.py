"""The floor: TLS, framing, parsing, schema validation and a fixed response, nothing else.

The least any EPP server in Python must do per command, built from eppd's own TLS, framing,
parsing and validation modules, so ``bench/epp_load.py`` can compare the real server with it
on the same machine in the same run. Every login and command gets the same 1000 response.

``--check-floor PYRAR_TOML`` answers domain:check from that sandbox's database with nothing
of eppd's session path around it (``check_floor.py``; ``--depth core`` or ``database``).

``--sessions`` serves eppd's whole session path instead (sessions, batching, responses built
per command, the command log) over a backend that answers 1000 from memory: what eppd would
reach with a registry core that cost nothing.

    python bench/floor_server.py --certs sandbox/certs --port 7100 [--workers N] [--threaded]
"""

from __future__ import annotations

import argparse
import functools
import sys
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from check_floor import DEPTHS, build_check_floor

from eppd.application import session_factory
from eppd.backend import CommandReply, CommandRequest, LoginResult, ServiceMenu
from eppd.call_batches import BatchingCalls
from eppd.calls import CallRunner, InlineCalls, ThreadPoolCalls
from eppd.channel import Channel, FrameSink, Peer, SinkFactory
from eppd.config import EppdSettings
from eppd.reader import ValidatingReader
from eppd.responses import greeting, response
from eppd.session import BadFrame, FrameReader
from eppd.supervisor import supervise
from eppd.worker import WorkerSpec

MENU = ServiceMenu(obj_uris=("urn:ietf:params:xml:ns:domain-1.0",
                             "urn:ietf:params:xml:ns:host-1.0"))


class FloorSink:
    """Validates each frame and answers with bytes prepared once."""

    def __init__(self, reader: FrameReader, calls: CallRunner | None, channel: Channel,
                 ok: bytes, bad: bytes) -> None:
        self._reader = reader
        self._calls = calls
        self._channel = channel
        self._ok = ok
        self._bad = bad

    def start(self) -> None:
        self._channel.send_frame(greeting("PyRar floor", datetime.now(UTC), MENU))

    def frame_received(self, payload: bytes) -> None:
        try:
            self._reader.read(payload)
        except BadFrame:
            self._channel.send_frame(self._bad)
            return
        if self._calls is None:
            self._channel.send_frame(self._ok)
            return
        # --threaded: the same hop through a thread pool that eppd makes for its backend.
        self._channel.pause()
        d = self._calls.run(lambda: self._ok)
        d.addCallback(self._answer)

    def _answer(self, payload: bytes) -> None:
        self._channel.send_frame(payload)
        self._channel.resume()

    def connection_lost(self, reason: str) -> None:
        pass


def build_floor(reactor: object, settings: EppdSettings, threaded: bool = False,
                threads: int = 4) -> SinkFactory:
    reader = ValidatingReader(MENU)
    calls: CallRunner | None = None
    if threaded:
        pool = ThreadPoolCalls(reactor, size=threads, name="floor")
        pool.start(reactor)
        calls = pool
    ok = response(CommandReply(1000), None, "FLOOR-0001")
    bad = response(CommandReply(2001), None, "FLOOR-0002")

    def make_sink(peer: Peer, channel: Channel) -> FrameSink:
        return FloorSink(reader, calls, channel, ok, bad)

    return make_sink


class MemoryBackend:
    """Accepts every login and answers every command 1000, batched as the core's checks are."""

    service_menu = MENU

    def authenticate(self, clid: str, password: str, new_password: str | None,
                     cert_fingerprint: str, peer_ip: str) -> LoginResult:
        return LoginResult(1000)

    def execute(self, request: CommandRequest) -> CommandReply:
        return CommandReply(1000)

    def batchable(self, request: CommandRequest) -> bool:
        return True

    def execute_many(self, requests: list[CommandRequest], may_wait: bool
                     ) -> list[CommandReply]:
        return [CommandReply(1000) for _ in requests]

    def wrap_calls(self, calls: CallRunner, clock: object) -> CallRunner:
        return BatchingCalls(calls, self, clock)


def build_session_floor(reactor: object, settings: EppdSettings) -> SinkFactory:
    backend = MemoryBackend()
    calls = backend.wrap_calls(InlineCalls(), reactor)
    return session_factory(reactor, settings, "PyRar session floor", backend, calls,
                           ValidatingReader(MENU))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certs", type=Path, required=True,
                        help="directory with ca.pem, server.pem, server.key")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7100)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threaded", action="store_true",
                        help="answer through a thread pool, as eppd calls its backend")
    parser.add_argument("--sessions", action="store_true",
                        help="eppd's session path over a backend answering from memory")
    parser.add_argument("--check-floor", type=Path, metavar="PYRAR_TOML",
                        help="answer domain:check from this sandbox's database, with "
                        "nothing of eppd's session path (check_floor.py)")
    parser.add_argument("--depth", choices=sorted(DEPTHS), default="core",
                        help="with --check-floor: the core's check, or one bare SELECT")
    parser.add_argument("--max-frame-bytes", type=int, default=EppdSettings.max_frame_bytes)
    args = parser.parse_args(argv)
    certs = args.certs.resolve()
    settings = EppdSettings(host=args.host, port=args.port, cert=str(certs / "server.pem"),
                            key=str(certs / "server.key"), ca=str(certs / "ca.pem"),
                            max_frame_bytes=args.max_frame_bytes, idle_timeout=600)
    if args.check_floor:
        build = functools.partial(build_check_floor, config=args.check_floor.resolve(),
                                  menu=MENU, depth=args.depth)
    elif args.sessions:
        build = build_session_floor
    else:
        build = functools.partial(build_floor, threaded=args.threaded)
    return supervise(WorkerSpec(settings=settings, build=build, name="floor"), args.workers)


if __name__ == "__main__":
    sys.exit(main())
