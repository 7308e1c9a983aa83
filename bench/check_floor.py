"""The check floors: the least a server answering domain:check from the database must do.

The floor's TLS, framing, parsing and validation; then the checks that arrive in one reactor
iteration are answered together, as eppd batches them, each answer written as text. No
Deferreds, no command objects built by eppd's parsers, no lxml reply, no command log.

- depth ``core``: the batch goes to ``Registry.execute_batch``, the core's own check (TLD
  policy, reserved names, the poll queue for msgQ). Whatever eppd's session path is
  rewritten into, it cannot beat this on checks.
- depth ``database``: one SELECT of the batch's names on a kept DB-API connection and
  nothing else (no policy, no poll queue): the least any server that asks the database
  must do.

``epp_load.py --check-floor`` measures both in the same run as the floor. Every other
command gets the floor's fixed 1000.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree
from sqlalchemy import select

from eppd.backend import CommandReply, ServiceMenu
from eppd.channel import Channel, FrameSink, Peer, SinkFactory
from eppd.config import EppdSettings
from eppd.namespaces import DOMAIN, EPP
from eppd.reader import ValidatingReader
from eppd.responses import greeting, response
from eppd.session import BadFrame
from registry.config import Config
from registry.errors import EppError
from registry.flows.context import Actor
from registry.flows.domain_check import DomainCheck, DomainCheckResult, NameAvailability
from registry.models import Registrar
from registry.service import MustWait, Registry
from registry.values import Response, Trid

_CHECK = f"{{{EPP}}}command/{{{EPP}}}check/{{{DOMAIN}}}check"
_LOGIN_CLID = f"{{{EPP}}}command/{{{EPP}}}login/{{{EPP}}}clID"
_CL_TRID = f"{{{EPP}}}command/{{{EPP}}}clTRID"
_NAME = f"{{{DOMAIN}}}name"
_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP}"><response>'


@dataclass
class _Waiting:
    command: DomainCheck
    actor: Actor
    trid: Trid
    channel: Channel


Answers = Callable[[list[_Waiting]], list[Response | EppError]]


def core_answers(registry: Registry) -> Answers:
    def answer(batch: list[_Waiting]) -> list[Response | EppError]:
        items = [(w.command, w.actor, w.trid) for w in batch]
        try:
            return registry.execute_batch(items, may_wait=False)
        except MustWait:  # a checked name is due: settling it writes, here on the reactor
            return registry.execute_batch(items)

    return answer


def database_answers(registry: Registry) -> Answers:
    connection = registry.db.engine.raw_connection()
    mark = "?" if registry.db.engine.dialect.paramstyle == "qmark" else "%s"

    def answer(batch: list[_Waiting]) -> list[Response | EppError]:
        names = [name for w in batch for name in w.command.names]
        cursor = connection.cursor()
        cursor.execute(f"SELECT name FROM domains WHERE name IN ({', '.join([mark] * len(names))})",
                       names)
        taken = {row[0] for row in cursor.fetchall()}
        cursor.close()
        return [Response(DomainCheckResult(tuple(NameAvailability(name, name not in taken)
                                                 for name in w.command.names)), w.trid)
                for w in batch]

    return answer


DEPTHS = {"core": core_answers, "database": database_answers}


class CheckBatches:
    """Checks queued in one reactor iteration, answered in one call of ``answers``."""

    def __init__(self, answers: Answers, loop: asyncio.AbstractEventLoop) -> None:
        self._answers = answers
        self._loop = loop
        self._queued: list[_Waiting] = []
        self._served = 0

    def submit(self, waiting: _Waiting) -> None:
        self._queued.append(waiting)
        if len(self._queued) == 1:
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        batch, self._queued = self._queued, []
        for waiting, outcome in zip(batch, self._answers(batch), strict=True):
            waiting.channel.send_frame(_answer(waiting.trid, outcome))

    def sv_trid(self) -> str:
        self._served += 1
        return f"CHECKFLOOR-{self._served}"


def _answer(trid: Trid, outcome: Response | EppError) -> bytes:
    """An error through eppd's own envelope; a check's answer written as text, the point of
    this floor."""
    if isinstance(outcome, EppError):
        return response(CommandReply(outcome.code, outcome.reason), trid.cltrid, trid.svtrid)
    ids = f"<trID><clTRID>{escape(trid.cltrid)}</clTRID>" if trid.cltrid else "<trID>"
    ids += f"<svTRID>{trid.svtrid}</svTRID></trID></response></epp>"
    queue = outcome.queue
    msg_q = f'<msgQ count="{queue.count}" id="{queue.first_id}"/>' if queue and queue.count \
        else ""
    names = "".join(
        f'<domain:cd><domain:name avail="{int(n.available)}">{escape(n.name)}</domain:name>'
        + (f"<domain:reason>{escape(n.reason)}</domain:reason>" if n.reason else "")
        + "</domain:cd>" for n in outcome.result.names)
    return (f'{_HEAD}<result code="1000"><msg>Command completed successfully</msg></result>'
            f'{msg_q}<resData><domain:chkData xmlns:domain="{DOMAIN}">{names}'
            f"</domain:chkData></resData>{ids}").encode()


class CheckFloorSink:
    def __init__(self, reader: ValidatingReader, menu: ServiceMenu, batches: CheckBatches,
                 registry: Registry, channel: Channel) -> None:
        self._reader = reader
        self._menu = menu
        self._batches = batches
        self._registry = registry
        self._channel = channel
        self._actor: Actor | None = None

    def start(self) -> None:
        self._channel.send_frame(greeting("PyRar check floor", datetime.now(UTC),
                                          self._menu))

    def frame_received(self, payload: bytes) -> None:
        try:
            doc: etree._Element = self._reader.read(payload)
        except BadFrame as e:
            self._channel.send_frame(response(CommandReply(e.code, e.reason), e.cl_trid,
                                              self._batches.sv_trid()))
            return
        check = doc.find(_CHECK)
        if check is None or self._actor is None:
            clid = doc.findtext(_LOGIN_CLID)
            if clid is not None:
                self._actor = Actor.registrar(self._registrar_id(clid), clid)
            self._channel.send_frame(response(CommandReply(1000), doc.findtext(_CL_TRID),
                                              self._batches.sv_trid()))
            return
        names = tuple(element.text for element in check.iter(_NAME))
        self._batches.submit(_Waiting(DomainCheck(names), self._actor,
                                      Trid(doc.findtext(_CL_TRID), self._batches.sv_trid()),
                                      self._channel))

    def _registrar_id(self, clid: str) -> int:
        return self._registry.run(lambda ctx: ctx.session.scalar(
            select(Registrar.id).where(Registrar.clid == clid)))

    def connection_lost(self, reason: str) -> None:
        pass


def build_check_floor(reactor: object, settings: EppdSettings, config: Path,
                      menu: ServiceMenu, depth: str = "core") -> SinkFactory:
    registry = Registry.from_config(Config.load(config))
    reader = ValidatingReader(menu)
    # call_soon, not callLater(0): the cheapest way to gather one iteration's checks.
    batches = CheckBatches(DEPTHS[depth](registry), reactor._asyncioEventloop)

    def make_sink(peer: Peer, channel: Channel) -> FrameSink:
        return CheckFloorSink(reader, menu, batches, registry, channel)

    return make_sink
