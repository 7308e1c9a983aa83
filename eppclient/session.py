"""One logged-in EPP session over TLS: one command at a time (a lock, never a shared
unlocked socket), a timeout per command, ``<hello>`` before the registry's idle timeout."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl

from eppclient import commands
from eppclient.config import RegistryConfig
from eppclient.documents import parse
from eppclient.errors import (
    CommandTimeout,
    ConnectionLost,
    FrameError,
    LoginFailed,
    NotSent,
)
from eppclient.framing import encode_frame, read_frame
from eppclient.greeting import Greeting, parse_greeting
from eppclient.namespaces import EXTENSIONS, LOGIN_SEC, OBJECTS
from eppclient.responses import Response, parse_response

log = logging.getLogger(__name__)
LOGOUT_TIMEOUT = 5.0
# RFC 5730: after these the server ends the session.
CLOSING_CODES = frozenset({1500, 2500, 2501, 2502})


class Session:
    def __init__(self, config: RegistryConfig, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, greeting: Greeting) -> None:
        self.config = config
        self.greeting = greeting
        self.login_response: Response | None = None
        self.closed = asyncio.Event()
        self.hellos = 0
        self._reader = reader
        self._writer = writer
        self._lock = asyncio.Lock()
        self._loop = asyncio.get_running_loop()
        self._last_used = self._loop.time()
        self._keepalive: asyncio.Task | None = None
        self._dropping = False

    @classmethod
    async def open(cls, config: RegistryConfig, context: ssl.SSLContext) -> Session:
        """Connect, read the greeting and log in, all within ``connect_timeout``."""
        writer = None
        try:
            async with asyncio.timeout(config.connect_timeout):
                reader, writer = await asyncio.open_connection(
                    config.host, config.port, ssl=context,
                    server_hostname=config.tls_name or config.host,
                    ssl_handshake_timeout=config.connect_timeout)
                greeting = parse_greeting(parse(await read_frame(reader,
                                                                 config.max_frame_bytes)))
                session = cls(config, reader, writer, greeting)
                await session._login()
        except BaseException:
            if writer is not None:
                writer.close()
            raise
        session._keepalive = asyncio.create_task(session._keep_alive(),
                                                 name=f"epp-keepalive-{config.name}")
        return session

    @property
    def alive(self) -> bool:
        return not self._dropping and not self._reader.at_eof()

    @property
    def services(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The object and extension URIs we logged in with: ours the greeting offers."""
        offered = self.greeting
        wanted = self.config.extensions
        return (tuple(u for u in OBJECTS if u in offered.obj_uris),
                tuple(u for u in EXTENSIONS
                      if u in offered.ext_uris and (wanted is None or u in wanted)))

    async def _login(self) -> None:
        obj_uris, ext_uris = self.services
        command = commands.login(
            self.config.clid, self.config.password, obj_uris=obj_uris, ext_uris=ext_uris,
            lang=self.config.lang, user_agent=self.config.user_agent,
            login_sec=LOGIN_SEC in ext_uris)
        response = await self._exchange(command)
        if not response.ok:
            raise LoginFailed(response)
        self.login_response = response

    async def send(self, command: commands.Command) -> Response:
        """The answer to ``command``. NotSent if the frame never left (the session was
        already closed); ConnectionLost, CommandTimeout or FrameError if it may have: the
        session is then closed, as its state is unknown."""
        async with self._lock:
            if self._dropping or self._reader.at_eof():
                await self._drop()
                raise NotSent(f"session to {self.config.name} closed before sending")
            return await self._exchange(command)

    async def _exchange(self, command: commands.Command) -> Response:
        try:
            async with asyncio.timeout(self.config.command_timeout):
                frame = await self._round_trip(command.frame)
            response = parse_response(parse(frame), frame)
        except TimeoutError as e:
            await self._drop()
            raise CommandTimeout(f"no answer from {self.config.name} within "
                                 f"{self.config.command_timeout:g} s") from e
        except (ConnectionLost, FrameError):
            await self._drop()
            raise
        except asyncio.CancelledError:
            # the frame may be out and its answer unread: the session is out of step
            self._abort()
            raise
        if response.cl_trid not in (None, command.cl_trid):
            await self._drop()
            raise FrameError(f"answer for clTRID {response.cl_trid!r}, "
                             f"sent {command.cl_trid!r}")
        if response.code in CLOSING_CODES:
            await self._drop()
        return response

    async def _round_trip(self, payload: bytes) -> bytes:
        try:
            self._writer.write(encode_frame(payload))
            await self._writer.drain()
        except (ConnectionError, OSError) as e:
            raise ConnectionLost(str(e) or type(e).__name__) from e
        frame = await read_frame(self._reader, self.config.max_frame_bytes)
        self._last_used = self._loop.time()
        return frame

    async def _keep_alive(self) -> None:
        """``<hello>`` whenever the session has been idle ``keepalive_after`` seconds."""
        interval = self.config.keepalive_after
        while not self._dropping:
            wait = self._last_used + interval - self._loop.time()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.closed.wait(), wait)
                continue
            async with self._lock:
                if self._dropping or self._loop.time() - self._last_used < interval:
                    continue
                try:
                    async with asyncio.timeout(self.config.command_timeout):
                        parse_greeting(parse(await self._round_trip(commands.hello())))
                    self.hellos += 1
                except (TimeoutError, ConnectionLost, FrameError) as e:
                    log.warning("keepalive to %s failed: %s", self.config.name, e)
                    await self._drop()

    async def close(self) -> None:
        """Log out (briefly: a dead server must not hold us) and close."""
        async with self._lock:
            if not self._dropping and not self._reader.at_eof():
                with contextlib.suppress(ConnectionLost, FrameError, TimeoutError):
                    async with asyncio.timeout(LOGOUT_TIMEOUT):
                        await self._round_trip(commands.logout(self.config.clid).frame)
            await self._drop()

    def _abort(self) -> None:
        self._dropping = True
        if self._keepalive is not None and self._keepalive is not asyncio.current_task():
            self._keepalive.cancel()
        self._writer.transport.abort()
        self.closed.set()

    async def _drop(self) -> None:
        # ``closed`` is set once the socket is closed: the pool counts a connection against
        # the registry's cap until then.
        if self._dropping:
            return
        self._dropping = True
        if self._keepalive is not None and self._keepalive is not asyncio.current_task():
            self._keepalive.cancel()
        self._writer.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(LOGOUT_TIMEOUT):
                await self._writer.wait_closed()
        self.closed.set()
