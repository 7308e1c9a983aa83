"""A TLS-terminating EPP proxy between the client and eppd that loses answers on purpose.

It reads whole frames both ways (it holds the sandbox server's certificate towards the
client and a registrar's towards eppd), so a fault can strike right around a chosen
command, the way tests/db_proxy.py strikes around an SQL statement:

- ``after``: the command is forwarded and eppd runs it; its answer is swallowed and both
  connections are closed: the client cannot know what happened.
- ``before``: the command is never forwarded; both connections are closed.
- ``stall``: the command is forwarded, its answer (and all after) held back until the
  client gives up and closes.

Each fault strikes once. ``seen`` lists every client frame that reached eppd."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass, field

from eppclient.framing import encode_frame, read_frame

MAX_FRAME = 1 << 20


@dataclass
class Fault:
    when: str            # after, before or stall
    marker: bytes        # strikes on the first client frame containing this
    struck: asyncio.Event = field(default_factory=asyncio.Event)


class EppProxy:
    def __init__(self, upstream_port: int, server_context: ssl.SSLContext,
                 upstream_context: ssl.SSLContext) -> None:
        self.upstream_port = upstream_port
        self.server_context = server_context
        self.upstream_context = upstream_context
        self.fault: Fault | None = None
        self.seen: list[bytes] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._connections: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self.peak = 0  # most client connections open at once (each with its eppd one)

    async def __aenter__(self) -> EppProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0,
                                                  ssl=self.server_context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        self.cut()
        with contextlib.suppress(Exception):
            await self._server.wait_closed()

    def arm(self, when: str, marker: bytes) -> Fault:
        self.fault = Fault(when, marker)
        return self.fault

    @property
    def live(self) -> int:
        return len(self._connections)

    def cut(self) -> None:
        """Close every connection, both sides, as a registry restart would."""
        for connection in list(self._connections):
            self._connections.discard(connection)
            for writer in connection:
                writer.close()

    def count(self, marker: bytes) -> int:
        return sum(marker in frame for frame in self.seen)

    async def _handle(self, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(
            "127.0.0.1", self.upstream_port, ssl=self.upstream_context,
            server_hostname="localhost")
        connection = (writer, up_writer)
        self._connections.add(connection)
        self.peak = max(self.peak, len(self._connections))
        swallow = asyncio.Event()

        async def client_to_server() -> None:
            while True:
                frame = await read_frame(reader, MAX_FRAME)
                fault = self.fault
                if fault is not None and not fault.struck.is_set() and fault.marker in frame:
                    fault.struck.set()
                    if fault.when == "before":
                        return
                    swallow.set()
                self.seen.append(frame)
                up_writer.write(encode_frame(frame))

        async def server_to_client() -> None:
            while True:
                frame = await read_frame(up_reader, MAX_FRAME)
                if swallow.is_set():
                    if self.fault.when == "stall":
                        continue
                    return
                writer.write(encode_frame(frame))

        tasks = [asyncio.create_task(client_to_server()), asyncio.create_task(server_to_client())]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._connections.discard(connection)
        for w in connection:
            w.close()
