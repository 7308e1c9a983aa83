"""The real ``Backend``: EPP commands run as registry core flows.

Parse the validated command into a core command (``eppd.commands``), run it (read-only
ones batched with whatever else is waiting, ``eppd.read_batches``), render the Response
or the EppError (``eppd.replies``). Runs in the session's backend threads.
"""

from __future__ import annotations

import copy
import logging
import threading
from dataclasses import dataclass

from lxml import etree
from sqlalchemy import select

from eppd.backend import CommandReply, CommandRequest, LoginResult, ResultValue, ServiceMenu
from eppd.commands.dispatch import parse
from eppd.commands.parsed import Draft, ParseContext
from eppd.read_batches import ReadBatcher
from eppd.replies.poll import PollContext
from eppd.replies.render import RenderContext, render
from eppd.uris import EPP, EXTENSIONS, OBJECTS, tag
from registry.config import Config, ConfigError
from registry.errors import AuthenticationError, CommandUseError, EppError
from registry.flows.context import Actor
from registry.flows.dispatch import READ_ONLY
from registry.flows.session_login import Login
from registry.models import Registrar
from registry.service import Registry
from registry.values import Response, Trid

log = logging.getLogger("eppd.backend")
_EXTENSION = tag(EPP, "extension")
_COMMAND_TAGS = frozenset(tag(EPP, v) for v in ("check", "create", "delete", "info", "poll",
                                                  "renew", "transfer", "update"))


@dataclass(frozen=True)
class BatchingSettings:
    """``[batching]``: how read-only commands share transactions (``eppd.read_batches``).

    ``concurrency`` batches may run at once in a worker; 1 gathers the most commands per
    transaction, more overlaps one batch's database waits with another's work.
    """

    concurrency: int = 1
    max_size: int = 64


@dataclass(frozen=True)
class RegistrarRef:
    """What commands need to know of a logged-in registrar, read once per login."""

    id: int
    clid: str
    currency: str


class CoreBackend:
    service_menu = ServiceMenu(obj_uris=OBJECTS, ext_uris=EXTENSIONS)

    def __init__(self, registry: Registry, batching: BatchingSettings | None = None) -> None:
        batching = batching or BatchingSettings()
        self._registry = registry
        self._reads = ReadBatcher(registry, batching.concurrency, batching.max_size)
        self._registrars: dict[str, RegistrarRef] = {}
        self._registrars_lock = threading.Lock()
        server_id = registry.settings.server_id
        self._server_id = server_id
        self._trid_prefix = "".join(c for c in server_id if c.isalnum())[:16] or "EPP"

    # Backend

    def authenticate(self, clid: str, password: str, new_password: str | None,
                     cert_fingerprint: str, peer_ip: str) -> LoginResult:
        login = Login(clid, password, new_password, cert_fingerprint, peer_ip)
        try:
            response = self._registry.execute(login, Actor(clid), Trid.new(prefix="LOGIN"))
        except AuthenticationError as e:
            # The client learns nothing of why (RFC 5730 and ICANN epp-03); the log does.
            log.warning("login refused for clid=%r from %s: %s", clid, peer_ip, e.value)
            return LoginResult(2200)
        except EppError as e:  # e.g. a new password the policy refuses
            return LoginResult(e.code, e.reason)
        self._remember(response.result.registrar_id, response.result.clid)
        return LoginResult(1000)

    def execute(self, request: CommandRequest) -> CommandReply:
        try:
            registrar = self._registrar(request.session.clid)
            _check_services(request)
            parsed = parse(request.command, request.verb, request.object_uri,
                           ParseContext(registrar.currency))
            actor = Actor.registrar(registrar.id, registrar.clid)
            trid = Trid(request.cl_trid, request.sv_trid)
            command = parsed.command
            if isinstance(command, Draft):
                command = command.complete(self._run(command.lookup, actor, trid).result)
            response = self._run(command, actor, trid)
        except EppError as e:
            return _error_reply(e, request)
        session = request.session
        return render(response, RenderContext(
            poll=PollContext(session.obj_uris, session.ext_uris, self._server_id,
                             self._trid_prefix),
            currency=registrar.currency, fee_check=parsed.fee_check))

    # Internals

    def _run(self, command: object, actor: Actor, trid: Trid) -> Response:
        if type(command) in READ_ONLY:
            return self._reads.run(command, actor, trid)
        return self._registry.execute(command, actor, trid)

    def _remember(self, registrar_id: int, clid: str) -> RegistrarRef:
        currency = self._registry.run(lambda ctx: ctx.session.get(Registrar, registrar_id)
                                      .currency)
        ref = RegistrarRef(registrar_id, clid, currency)
        with self._registrars_lock:
            self._registrars[clid] = ref
        return ref

    def _registrar(self, clid: str) -> RegistrarRef:
        ref = self._registrars.get(clid)
        if ref is not None:
            return ref
        # Logged in by an earlier backend of this process (tests build several).
        registrar_id = self._registry.run(lambda ctx: ctx.session.scalar(
            select(Registrar.id).where(Registrar.clid == clid)))
        return self._remember(registrar_id, clid)


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
