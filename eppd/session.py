"""One EPP session: greeting, hello, login/logout, timeouts, and commands to the backend.

Knows nothing of sockets: it reads frames handed in by the framing protocol and answers
through a ``Channel``. Backend calls go through a ``CallRunner`` so they never block the
reactor; the channel is paused meanwhile, so commands are answered strictly in order.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from lxml import etree
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.python.failure import Failure

from eppd import responses
from eppd.backend import Backend, CommandReply, CommandRequest, LoginResult, SessionInfo
from eppd.calls import CallRunner
from eppd.channel import Channel, Peer
from eppd.frame_log import mask_secrets, one_line
from eppd.limits import SessionLimiter
from eppd.requests import Command, Hello, LoginRequest, NotARequest, read_login, read_request
from eppd.result_codes import CLOSING
from eppd.transactions import SvTridSource

command_log = logging.getLogger("eppd.commands")
frame_log = logging.getLogger("eppd.frames")
log = logging.getLogger("eppd.session")


class BadFrame(Exception):
    """A frame we cannot execute: unsafe or malformed XML (2001), invalid against our schemas
    (2001), or in an object or extension namespace we do not serve (2307, 2103)."""

    def __init__(self, reason: str, code: int = 2001, cl_trid: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.cl_trid = cl_trid


class FrameReader(Protocol):
    def read(self, payload: bytes) -> etree._Element:
        """Parse and validate; raise BadFrame with a reason a client can act on."""
        ...


@dataclass(frozen=True)
class SessionPolicy:
    server_id: str
    idle_timeout: float
    login_failures_before_close: int
    log_frames: bool = False


@dataclass(frozen=True)
class SessionServices:
    """Everything sessions of one worker share."""

    policy: SessionPolicy
    backend: Backend
    reader: FrameReader
    calls: CallRunner
    limiter: SessionLimiter
    sv_trids: SvTridSource
    clock: IReactorTime


@dataclass(frozen=True)
class _Pending:
    """A command on its way through the backend, for its response and its log line."""

    name: str
    objects: tuple[str, ...]
    cl_trid: str | None
    sv_trid: str
    started: float


class EppSession:
    def __init__(self, services: SessionServices, peer: Peer, channel: Channel) -> None:
        self._s = services
        self._peer = peer
        self._channel = channel
        self._info: SessionInfo | None = None
        self._slot: str | None = None  # clid whose session slot we hold
        self._login_failures = 0
        self._idle: IDelayedCall | None = None
        self._last_active = 0.0
        self._busy = False  # a backend call is in flight
        self._closed = False

    @property
    def clid(self) -> str | None:
        return self._info.clid if self._info else None

    # FrameSink

    def start(self) -> None:
        self._send(self._greeting())
        self._arm_idle()

    def frame_received(self, payload: bytes) -> None:
        if self._closed:
            return
        self._last_active = self._s.clock.seconds()
        started = time.perf_counter()
        if self._s.policy.log_frames and frame_log.isEnabledFor(logging.DEBUG):
            frame_log.debug("%s <<< %s", self._peer.ip, mask_secrets(payload))
        try:
            request = read_request(self._s.reader.read(payload))
        except BadFrame as e:
            text = f"Command syntax error: {e.reason}" if e.code == 2001 else e.reason
            self._finish(_Pending("invalid", (), e.cl_trid, self._s.sv_trids.next(), started),
                         CommandReply(e.code, text))
            return
        except NotARequest as e:
            self._finish(_Pending("invalid", (), None, self._s.sv_trids.next(), started),
                         CommandReply(e.code, e.reason))
            return
        if isinstance(request, Hello):
            self._send(self._greeting())
            self._log_line("hello", (), None, started)
            self._arm_idle()
        elif request.verb == "login":
            self._login(request, started)
        elif request.verb == "logout":
            self._logout(request, started)
        else:
            self._execute(request, started)

    def connection_lost(self, reason: str) -> None:
        self._closed = True
        self._cancel_idle()
        self._release_slot()
        log.info("%s session of %s ended: %s", self._peer.ip, one_line(self.clid or "-"), reason)

    # Commands

    def _login(self, command: Command, started: float) -> None:
        login = read_login(command)
        pending = _Pending("login", (login.clid,), command.cl_trid, self._s.sv_trids.next(),
                           started)
        if self._info is not None:
            self._finish(pending, CommandReply(2002, "Already logged in"))
            return
        refusal = self._unsupported_options(login)
        if refusal is None and not self._s.limiter.acquire(login.clid):
            refusal = LoginResult(2502)
        if refusal is not None:
            self._login_finished(pending, login, refusal)
            return
        self._slot = login.clid
        self._busy = True
        self._channel.pause()
        d = self._s.calls.run(self._s.backend.authenticate, login.clid, login.password,
                              login.new_password, self._peer.cert_fingerprint, self._peer.ip,
                              share=login.clid)
        # addCallbacks, not addCallback + addErrback: a failure while answering must not be
        # taken for a backend failure and answered a second time.
        d.addCallbacks(lambda result: self._login_finished(pending, login, result),
                       self._backend_failed, errbackArgs=(pending,))
        d.addErrback(self._answering_failed)

    def _unsupported_options(self, login: LoginRequest) -> LoginResult | None:
        menu = self._s.backend.service_menu
        if login.lang != "en":
            return LoginResult(2102, f"Unimplemented option: lang {login.lang}")
        unknown = [u for u in login.obj_uris if u not in menu.obj_uris]
        if unknown:
            return LoginResult(2307, f"Unimplemented object service: {unknown[0]}")
        unknown = [u for u in login.ext_uris if u not in menu.ext_uris]
        if unknown:
            return LoginResult(2103, f"Unimplemented extension: {unknown[0]}")
        return None

    def _login_finished(self, pending: _Pending, login: LoginRequest,
                        result: LoginResult) -> None:
        if self._closed:
            return
        if result.accepted:
            self._info = SessionInfo(
                clid=login.clid, obj_uris=frozenset(login.obj_uris),
                ext_uris=frozenset(login.ext_uris),
                cert_fingerprint=self._peer.cert_fingerprint, peer_ip=self._peer.ip,
                principal=result.principal)
            self._channel.logged_in()
            self._finish(pending, CommandReply(result.code, result.message))
            return
        self._release_slot()
        self._login_failures += 1
        code = result.code
        if code not in CLOSING and (
                self._login_failures >= self._s.policy.login_failures_before_close):
            code = 2501
        message = result.message if code == result.code else None
        self._finish(pending, CommandReply(code, message))

    def _logout(self, command: Command, started: float) -> None:
        pending = _Pending("logout", (), command.cl_trid, self._s.sv_trids.next(), started)
        if self._info is None:
            self._finish(pending, CommandReply(2002, "Not logged in"))
        else:
            self._finish(pending, CommandReply(1500))

    def _execute(self, command: Command, started: float) -> None:
        pending = _Pending(_command_name(command), command.object_ids, command.cl_trid,
                           self._s.sv_trids.next(), started)
        if self._info is None:
            self._finish(pending, CommandReply(2002, "Not logged in"))
            return
        request = CommandRequest(
            session=self._info, verb=command.verb, object_uri=command.object_uri,
            command=command.element, cl_trid=command.cl_trid, sv_trid=pending.sv_trid)
        self._busy = True
        self._channel.pause()
        d = self._s.calls.run(self._s.backend.execute, request, share=self._info.clid)
        d.addCallbacks(lambda reply: self._finish(pending, reply),
                       self._backend_failed, errbackArgs=(pending,))
        d.addErrback(self._answering_failed)

    def _backend_failed(self, failure: Failure, pending: _Pending) -> None:
        log.error("%s %s by %s failed:\n%s", self._peer.ip, pending.name,
                  self.clid or "-", failure.getTraceback())
        if pending.name == "login" and self._info is None:
            self._release_slot()
        self._finish(pending, CommandReply(2400))

    def _answering_failed(self, failure: Failure) -> None:
        log.error("%s answering %s failed; closing:\n%s", self._peer.ip, self.clid or "-",
                  failure.getTraceback())
        if not self._closed:
            self._close("internal error")

    # Answering

    def _finish(self, pending: _Pending, reply: CommandReply) -> None:
        self._busy = False
        if self._closed:
            return
        try:
            payload = responses.response(reply, pending.cl_trid, pending.sv_trid)
        except Exception:
            log.exception("cannot serialise the reply to %s", pending.name)
            reply = CommandReply(2400)
            payload = responses.response(reply, pending.cl_trid, pending.sv_trid)
        self._send(payload)
        self._log_line(pending.name, pending.objects, reply.code, pending.started)
        if reply.code in CLOSING:
            self._close(f"result {reply.code}")
            return
        self._channel.resume()
        self._arm_idle()

    def _send(self, payload: bytes) -> None:
        if self._s.policy.log_frames and frame_log.isEnabledFor(logging.DEBUG):
            frame_log.debug("%s >>> %s", self._peer.ip, mask_secrets(payload))
        self._channel.send_frame(payload)

    def _greeting(self) -> bytes:
        now = datetime.fromtimestamp(self._s.clock.seconds(), UTC)
        return responses.greeting(self._s.policy.server_id, now, self._s.backend.service_menu)

    def _log_line(self, name: str, objects: tuple[str, ...], code: int | None,
                  started: float) -> None:
        command_log.info("clid=%s cmd=%s obj=%s code=%s ms=%.1f ip=%s",
                         one_line(self.clid or "-"), name, one_line(",".join(objects)) or "-",
                         code or "-",
                         (time.perf_counter() - started) * 1000, self._peer.ip)

    # Timers and closing

    def _arm_idle(self) -> None:
        """Count idleness from now. One timer per session, re-armed only when it fires:
        cancelling and scheduling a timer on every command costs more than the check."""
        self._last_active = self._s.clock.seconds()
        if self._idle is None and not self._closed:
            self._idle = self._s.clock.callLater(self._s.policy.idle_timeout, self._idle_check)

    def _cancel_idle(self) -> None:
        if self._idle is not None and self._idle.active():
            self._idle.cancel()
        self._idle = None

    def _idle_check(self) -> None:
        self._idle = None
        if self._closed:
            return
        timeout = self._s.policy.idle_timeout
        # The server's own slowness is not the client's idleness.
        remaining = timeout if self._busy else (
            self._last_active + timeout - self._s.clock.seconds())
        if remaining > 0:
            self._idle = self._s.clock.callLater(remaining, self._idle_check)
            return
        self._close(f"idle for {timeout:g} s")

    def _close(self, reason: str) -> None:
        self._closed = True
        self._cancel_idle()
        # Freed now, not when the peer finishes the TLS close: a client that logs out and
        # logs straight back in must find its slot.
        self._release_slot()
        self._channel.close(reason)

    def _release_slot(self) -> None:
        if self._slot is not None:
            self._s.limiter.release(self._slot)
            self._slot = None


def _command_name(command: Command) -> str:
    """``domain:check``; the object prefix comes from its namespace URI."""
    if command.object_uri is None:
        return command.verb
    kind = command.object_uri.rsplit(":", 1)[-1].split("-", 1)[0]
    return f"{kind}:{command.verb}"
