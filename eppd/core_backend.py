"""The real ``Backend``: EPP commands run as registry core flows.

Parse the validated command into a core command (``eppd.commands``), run it, render the
Response or the EppError (``eppd.replies``). Read-only commands that wait at the same
time reach ``execute_many`` together (``eppd.call_batches``) and share one transaction.
Runs where the session's CallRunner runs backend calls (a thread pool, or inline).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree
from twisted.internet.interfaces import IReactorTime

from eppd.backend import CommandReply, CommandRequest, LoginResult, ResultValue, ServiceMenu
from eppd.call_batches import BatchingCalls, WouldWait
from eppd.calls import CallRunner
from eppd.commands.dispatch import parse
from eppd.commands.parsed import ParseContext, Parsed
from eppd.namespaces import EPP, EXTENSIONS, OBJECTS, tag
from eppd.replies.poll import PollContext
from eppd.replies.render import RenderContext, render
from registry.config import Config, ConfigError
from registry.errors import (
    AuthenticationError,
    CommandUseError,
    DatabaseUnavailable,
    EppError,
)
from registry.flows.context import Actor
from registry.flows.dispatch import READ_ONLY
from registry.flows.session_login import Login
from registry.outage import Outage, is_database_outage
from registry.service import MustWait, Registry
from registry.values import Response, Trid

log = logging.getLogger("eppd.backend")
_EXTENSION = tag(EPP, "extension")
_COMMAND_TAGS = frozenset(tag(EPP, v) for v in ("check", "create", "delete", "info", "poll",
                                                  "renew", "transfer", "update"))


@dataclass(frozen=True)
class BatchingSettings:
    """``[batching]``: how read-only commands share transactions (``eppd.call_batches``).

    ``concurrency`` batches may run at once in a worker: 1 gathers the most commands per
    transaction (measured best, see docs/performance.md); more overlaps one batch's
    database waits with another's work.
    """

    concurrency: int = 1
    max_size: int = 64


@dataclass(frozen=True)
class RegistrarRef:
    """What commands need to know of a logged-in registrar, as its login found it: the
    session keeps it (LoginResult.principal), so no command looks the registrar up again."""

    id: int
    clid: str
    currency: str


@dataclass(frozen=True)
class _Job:
    request: CommandRequest
    registrar: RegistrarRef
    parsed: Parsed
    actor: Actor
    trid: Trid


class CoreBackend:
    service_menu = ServiceMenu(obj_uris=OBJECTS, ext_uris=EXTENSIONS)

    def __init__(self, registry: Registry, batching: BatchingSettings | None = None) -> None:
        batching = batching or BatchingSettings()
        self._batching = batching
        self._registry = registry
        self._outage = Outage(log, "the registry's database",
                              meanwhile="commands are answered 2400 until it is back")
        server_id = registry.settings.server_id
        self._server_id = server_id
        self._trid_prefix = "".join(c for c in server_id if c.isalnum())[:16] or "EPP"

    # Backend

    def authenticate(self, clid: str, password: str, new_password: str | None,
                     cert_fingerprint: str, peer_ip: str) -> LoginResult:
        login = Login(clid, password, new_password, cert_fingerprint, peer_ip)
        try:
            response = self._registry.execute(login, Actor.client(clid),
                                              Trid.new(prefix="LOGIN"))
        except AuthenticationError as e:
            # The client learns nothing of why (RFC 5730 and ICANN epp-03); the log does.
            log.warning("login refused for clid=%r from %s: %s", clid, peer_ip, e.value)
            return LoginResult(2200)
        except EppError as e:  # e.g. a new password the policy refuses
            self._database(e)
            return LoginResult(e.code, e.reason)
        self._database(None)
        logged_in = response.result
        return LoginResult(1000, principal=RegistrarRef(
            logged_in.registrar_id, logged_in.clid, logged_in.currency))

    def execute(self, request: CommandRequest) -> CommandReply:
        try:
            job = self._prepare(request)
            response = self._registry.execute(job.parsed.command, job.actor, job.trid)
        except EppError as e:
            self._database(e)
            return _error_reply(e, request)
        self._database(None)
        return self._render(job, response)

    def wrap_calls(self, calls: CallRunner, clock: IReactorTime) -> CallRunner:
        """The session's CallRunner, batching read-only commands (see eppd.call_batches)."""
        return BatchingCalls(calls, self, clock, self._batching.concurrency,
                             self._batching.max_size)

    def batchable(self, request: CommandRequest) -> bool:
        """Read-only commands, told from the verb alone (no parsing on the reactor)."""
        verb = request.verb
        if verb in ("check", "info"):
            return True
        if verb in ("poll", "transfer"):
            op = request.command.find(tag(EPP, verb)).get("op")
            return op in ("req", "query")
        return False

    def execute_many(self, requests: Sequence[CommandRequest], may_wait: bool = True
                     ) -> list[CommandReply | BaseException]:
        """Many read-only commands in one batch of the core (``eppd.call_batches``)."""
        replies: list[CommandReply | BaseException | None] = [None] * len(requests)
        jobs: list[tuple[int, _Job]] = []
        others: list[int] = []
        for index, request in enumerate(requests):
            try:
                job = self._prepare(request)
            except EppError as e:
                replies[index] = _error_reply(e, request)
                continue
            if type(job.parsed.command) in READ_ONLY:
                jobs.append((index, job))
            else:
                others.append(index)
        if others and not may_wait:
            raise WouldWait  # a change takes locks
        for index in others:
            replies[index] = self._outcome(self.execute, requests[index])
        if jobs:
            outcomes = self._batch([job for _, job in jobs], may_wait)
            for (index, job), outcome in zip(jobs, outcomes, strict=True):
                self._database(outcome if isinstance(outcome, BaseException) else None)
                if is_database_outage(outcome) and not isinstance(outcome, EppError):
                    outcome = DatabaseUnavailable()  # answered, not a traceback a command
                if isinstance(outcome, EppError):
                    replies[index] = _error_reply(outcome, job.request)
                elif isinstance(outcome, BaseException):
                    replies[index] = outcome
                else:
                    replies[index] = self._outcome(self._render, job, outcome)
        return replies  # type: ignore[return-value]

    # Internals

    def _prepare(self, request: CommandRequest) -> _Job:
        registrar = request.session.principal
        if not isinstance(registrar, RegistrarRef):
            raise TypeError(f"session of {request.session.clid!r} was not logged in here")
        _check_services(request)
        parsed = parse(request.command, request.verb, request.object_uri,
                       ParseContext(registrar.currency))
        return _Job(request, registrar, parsed, Actor.registrar(registrar.id, registrar.clid),
                    Trid(request.cl_trid, request.sv_trid))

    def _batch(self, jobs: list[_Job], may_wait: bool) -> list[Response | BaseException]:
        try:
            return self._registry.execute_batch(
                [(job.parsed.command, job.actor, job.trid) for job in jobs],
                may_wait=may_wait)
        except MustWait:
            raise WouldWait from None
        except Exception as e:
            if not may_wait:  # running each alone may wait: do it on the thread pool
                raise WouldWait from e
            if len(jobs) == 1 or is_database_outage(e):
                return [e] * len(jobs)  # alone, each would fail the same way
        # One command broke the shared transaction: run each alone so only it fails.
        log.warning("a batch of %d read-only commands failed; running them one by one",
                    len(jobs), exc_info=True)
        return [self._outcome(self._registry.execute, job.parsed.command, job.actor, job.trid)
                for job in jobs]

    def _database(self, error: BaseException | None) -> None:
        """A command's outcome, for the log: an outage of the database is one line when it
        starts, a count while it lasts and one line when it ends, not a traceback a
        command (registry.outage)."""
        if error is not None and is_database_outage(error):
            self._outage.failed(error)
        else:
            self._outage.recovered()

    def _render(self, job: _Job, response: Response) -> CommandReply:
        session = job.request.session
        return render(response, RenderContext(
            poll=PollContext(session.obj_uris, session.ext_uris, self._server_id,
                             self._trid_prefix),
            currency=job.registrar.currency, fee_check=job.parsed.fee_check))

    @staticmethod
    def _outcome(fn, *args):
        try:
            return fn(*args)
        except EppError as e:
            return e
        except Exception as e:  # handed to the session, which answers 2400 and logs it
            return e



def _check_services(request: CommandRequest) -> None:
    """RFC 5730 2.9.1.1: a session uses only the services it named at login."""
    session = request.session
    if request.object_uri is not None and request.object_uri not in session.obj_uris:
        raise CommandUseError(f"{request.object_uri} was not named at login (<objURI>)")
    extension = request.command.find(_EXTENSION)
    if extension is None:
        return
    for child in extension:
        if isinstance(child.tag, str):
            uri = etree.QName(child).namespace
            if uri not in session.ext_uris:
                raise CommandUseError(f"{uri} was not named at login (<extURI>)")


def _error_reply(error: EppError, request: CommandRequest) -> CommandReply:
    value = _offending_element(request.command, error.value)
    return CommandReply(error.code, error.reason,
                        values=(ResultValue(value),) if value is not None else ())


def _offending_element(command: etree._Element, value: str | None) -> etree._Element | None:
    """RFC 5730 <value>: the client's element that holds ``value``, copied."""
    if not value:
        return None
    for verb in command:
        if verb.tag not in _COMMAND_TAGS:
            continue
        for element in verb.iter():
            if isinstance(element.tag, str) and len(element) == 0 and \
                    (element.text or "").strip() == value:
                found = copy.copy(element)
                found.tail = None
                return found
    return None


def make_core_backend(config: Config) -> CoreBackend:
    """Backend factory for ``eppd.server.run``: one Registry per worker process."""
    batching = config.section("batching", BatchingSettings)
    if batching.concurrency < 1 or batching.max_size < 1:
        raise ConfigError("[batching] concurrency and max_size must be at least 1")
    return CoreBackend(Registry.from_config(config), batching)
