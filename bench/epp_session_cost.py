"""CPU per EPP command inside one eppd worker, without sockets: where a command's time goes.

Feeds domain:check frames (3 names each; or with ``--mode create``, domain:create frames of
new names, answered with fee-1.0 data) straight into eppd's sessions, B sessions at a time
so that B commands share each batch, and prints the process CPU time per command for:

- ``memory``: the session path (parse, validate, sessions, batching, response, command log)
  over a backend that answers from memory (``floor_server.MemoryBackend``);
- ``core``: the same with the real backend: the registry core on the sandbox's database.

No TLS and no network on our side, so the figures are steadier than ``epp_load.py``'s and
tell the session path's cost from the core's::

    python bench/epp_session_cost.py --credentials SANDBOX/credentials.json --batch 1,2,4
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from floor_server import MemoryBackend
from twisted.internet import task

from certs.fingerprint import fingerprint
from eppd.application import session_factory
from eppd.calls import InlineCalls
from eppd.channel import Peer
from eppd.config import EppdSettings
from eppd.core_backend import make_core_backend
from eppd.reader import ValidatingReader
from eppd.worker import configure_logging
from registry.config import Config

EPP = "urn:ietf:params:xml:ns:epp-1.0"
DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"
FEE = "urn:ietf:params:xml:ns:epp:fee-1.0"


class CountingChannel:
    def __init__(self) -> None:
        self.sent = 0

    def send_frame(self, payload: bytes) -> None:
        self.sent += 1

    def close(self, reason: str) -> None:
        raise RuntimeError(f"session closed: {reason}")

    def pause(self) -> None:
        pass

    def resume(self) -> None:
        pass

    def logged_in(self) -> None:
        pass


def frame(body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP}">{body}</epp>'.encode()


def login_frame(clid: str, password: str) -> bytes:
    return frame(f"<command><login><clID>{clid}</clID><pw>{password}</pw><options>"
                 "<version>1.0</version><lang>en</lang></options>"
                 f"<svcs><objURI>{DOMAIN}</objURI><svcExtension><extURI>{FEE}</extURI>"
                 "</svcExtension></svcs></login><clTRID>cost-login</clTRID></command>")


def check_frame(n: int, run: str, tld: str) -> bytes:
    names = "".join(f"<domain:name>cost{run}-{n}-{s}.{tld}</domain:name>" for s in "abc")
    return frame(f'<command><check><domain:check xmlns:domain="{DOMAIN}">{names}'
                 f"</domain:check></check><clTRID>cost-{n}</clTRID></command>")


def create_frame(n: int, run: str, tld: str) -> bytes:
    return frame(f'<command><create><domain:create xmlns:domain="{DOMAIN}">'
                 f"<domain:name>cost{run}-{n}.{tld}</domain:name>"
                 '<domain:period unit="y">1</domain:period><domain:authInfo><domain:pw>'
                 "Cost-2026!x-Str0ng-AuthInfo</domain:pw></domain:authInfo></domain:create>"
                 f"</create><clTRID>cost-{n}</clTRID></command>")


FRAMES = {"check": check_frame, "create": create_frame}


def measure(backend: object, registrar: dict, batch: int, commands: int, tld: str,
            mode: str = "check") -> float:
    """Process CPU microseconds per command, ``batch`` sessions answered per batch."""
    clock = task.Clock()
    calls = backend.wrap_calls(InlineCalls(), clock)
    make = session_factory(clock, EppdSettings(), "cost", backend, calls,
                           ValidatingReader(backend.service_menu))
    peer = Peer("127.0.0.1", 700, fingerprint(Path(registrar["cert"]).read_bytes()))
    channels = [CountingChannel() for _ in range(batch)]
    sessions = [make(peer, channel) for channel in channels]
    for session in sessions:
        session.start()
        session.frame_received(login_frame(registrar["clid"], registrar["password"]))
        clock.advance(0)
    rounds = max(1, commands // batch)
    run = f"{int(time.time()) % 100000}b{batch}"
    frames = [[FRAMES[mode](r * batch + i, run, tld) for i in range(batch)]
              for r in range(rounds)]
    started = time.process_time()
    for round_frames in frames:
        for session, payload in zip(sessions, round_frames, strict=True):
            session.frame_received(payload)
        clock.advance(0)
    spent = time.process_time() - started
    answered = sum(c.sent for c in channels) - 2 * batch  # greetings and logins
    if answered != rounds * batch:
        raise RuntimeError(f"{answered} answers to {rounds * batch} commands")
    return spent / answered * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", type=Path, required=True,
                        help="a sandbox's credentials.json (its pyrar.toml is beside it)")
    parser.add_argument("--batch", default="1,2,4", help="sessions per batch, comma-separated")
    parser.add_argument("--commands", type=int, default=20000)
    parser.add_argument("--tld", default="example")
    parser.add_argument("--mode", choices=sorted(FRAMES), default="check")
    args = parser.parse_args(argv)
    sandbox = args.credentials.resolve().parent
    data = json.loads(args.credentials.read_text())
    registrar = (data["registrars"] if isinstance(data, dict) else data)[0]
    registrar = {**registrar, "cert": str(sandbox / registrar["cert"])}
    handler = configure_logging("cost", log_frames=False)
    handler.setStream(io.StringIO())  # the lines are formatted and buffered, then dropped
    logging.getLogger("eppd.connections").setLevel(logging.WARNING)
    core = make_core_backend(Config.load(sandbox / "pyrar.toml"))
    print(f"{'backend':<8} {'batch':>5} {'us/command':>11}")
    for batch in (int(b) for b in args.batch.split(",")):
        for name, backend in (("memory", MemoryBackend()), ("core", core)):
            cost = measure(backend, registrar, batch, args.commands, args.tld, args.mode)
            print(f"{name:<8} {batch:>5} {cost:>11.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
