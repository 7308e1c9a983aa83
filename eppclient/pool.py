"""N logged-in sessions to one registry, never more open connections than its cap; each
slot reconnects with exponential backoff; a transform whose answer was lost is never resent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
from dataclasses import replace
from datetime import UTC, datetime

from eppclient.commands import Command
from eppclient.config import RegistryConfig, tls_context
from eppclient.errors import (
    ConnectionLost,
    FrameError,
    NotSent,
    OutcomeUnknown,
)
from eppclient.greeting import Greeting
from eppclient.responses import Response
from eppclient.session import Session

log = logging.getLogger(__name__)
# A query whose answer was lost is sent again on another session this many times.
QUERY_RETRIES = 2


class Pool:
    def __init__(self, config: RegistryConfig, context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self._context = context or tls_context(config)
        self._idle: asyncio.Queue[Session] = asyncio.Queue()
        self._cap = asyncio.Semaphore(config.max_sessions)
        self._slots: list[asyncio.Task] = []
        self._sessions: set[Session] = set()
        self._closing = False
        self.greeting: Greeting | None = None
        self.last_error: BaseException | None = None
        self.connects = 0       # sessions opened, first ones included
        self.failed_connects = 0

    async def start(self) -> None:
        """Open the first session here, so a wrong address, certificate or password
        raises at once; the other slots fill (and all refill) in the background."""
        async with self._cap:
            first = await Session.open(self.config, self._context)
        await self._cap.acquire()  # held for ``first`` until its slot sees it closed
        self.greeting = first.greeting
        self.connects += 1
        self._lend(first)
        for index in range(self.config.sessions):
            self._slots.append(asyncio.create_task(
                self._keep_slot(first if index == 0 else None),
                name=f"epp-slot-{self.config.name}-{index}"))

    async def __aenter__(self) -> Pool:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def open_sessions(self) -> int:
        return sum(s.alive for s in self._sessions)

    async def execute(self, command: Command) -> Response:
        """The answer to ``command`` (whatever its result code).

        NotSent if no session could be had within ``acquire_timeout``. A query whose answer
        was lost is sent again on another session; a transform raises OutcomeUnknown, for
        ``settle()``."""
        lost = 0
        while True:
            session = await self._acquire()
            sent = replace(command, sent_at=datetime.now(UTC))
            try:
                return await session.send(sent)
            except NotSent:
                continue
            except (ConnectionLost, FrameError) as e:
                if command.transform:
                    raise OutcomeUnknown(sent, e) from e
                lost += 1
                if lost > QUERY_RETRIES:
                    raise
                log.info("%s: %s lost (%s), sending again", self.config.name, command.verb, e)
            finally:
                if session.alive and not self._closing:
                    self._idle.put_nowait(session)

    async def _acquire(self) -> Session:
        if self._closing:
            raise NotSent(f"the pool of {self.config.name} is closed")
        try:
            async with asyncio.timeout(self.config.acquire_timeout):
                while True:
                    session = await self._idle.get()
                    if session.alive:
                        return session
                    await session.close()  # the registry closed it: its slot reconnects
        except TimeoutError as e:
            raise NotSent(f"no session to {self.config.name} within "
                          f"{self.config.acquire_timeout:g} s (last error: "
                          f"{self.last_error})") from e

    async def _keep_slot(self, session: Session | None) -> None:
        """Keep one logged-in session: open it (holding a place under the cap), lend it
        out, and when it dies open another, backing off while that fails."""
        delay = self.config.backoff_initial
        while not self._closing:
            if session is None:
                await self._cap.acquire()
                try:
                    session = await Session.open(self.config, self._context)
                except Exception as e:  # whatever it is, the slot backs off and tries again
                    self._cap.release()
                    self.last_error = e
                    self.failed_connects += 1
                    log.warning("%s: connect failed (%s); again in %.1f s",
                                self.config.name, e, delay)
                    await asyncio.sleep(delay * random.uniform(0.5, 1.0))
                    delay = min(delay * 2, self.config.backoff_max)
                    continue
                self.connects += 1
                if self._closing:
                    await session.close()
                    self._cap.release()
                    return
                self._lend(session)
            delay = self.config.backoff_initial
            try:
                await session.closed.wait()
            finally:
                self._sessions.discard(session)
                self._cap.release()
            session = None

    def _lend(self, session: Session) -> None:
        self._sessions.add(session)
        self._idle.put_nowait(session)

    async def close(self) -> None:
        """Log every session out and stop reconnecting."""
        self._closing = True
        for slot in self._slots:
            slot.cancel()
        sessions = list(self._sessions)
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
        for slot in self._slots:
            with contextlib.suppress(asyncio.CancelledError):
                await slot
        self._slots.clear()
