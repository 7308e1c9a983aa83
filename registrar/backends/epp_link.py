"""One remote registry's ``EppClient``, usable from the registrar's synchronous code.

The registrar's core is synchronous (it runs in the web server's worker threads, the
consumers' threads, the CLI); eppclient is asyncio. The link runs the client on an event
loop of its own, in a thread of its own, and hands it coroutines: the pool, its keepalives
and reconnections live on that loop whatever thread asks."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from eppclient import EppClient, NotSent, RegistryConfig

T = TypeVar("T")
# after a failed login, callers are refused at once for this long (a registry that is down
# must not hold every search for a connect timeout)
RETRY_LOGIN_AFTER = 10.0


class EppLink:
    def __init__(self, config: RegistryConfig) -> None:
        self.config = config
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name=f"epp-{config.name}")
        self._thread.start()
        self._client: EppClient | None = None
        self._starting = threading.Lock()
        self._closed = False
        self._failed: tuple[float, str] | None = None  # (when, why) of the last failed login

    def call(self, work: Callable[[EppClient], Awaitable[T]]) -> T:
        """``work(client)`` on the link's loop; its result or its exception."""
        client = self.client()
        return self._run(work(client))

    def client(self) -> EppClient:
        """The logged-in client, its first session opened now if need be (a registry that is
        down raises NotSent: nothing was sent)."""
        with self._starting:
            if self._closed:
                raise NotSent(f"the link to {self.config.name} is closed")
            if self._client is None:
                if self._failed and time.monotonic() - self._failed[0] < RETRY_LOGIN_AFTER:
                    raise NotSent(self._failed[1])
                try:  # the certificate files are read here, the registry reached next
                    client = EppClient(self.config)
                    self._run(client.start())
                except Exception as e:  # refused, unreachable, bad certificate: not sent
                    why = f"cannot log in to {self.config.name}: {e}"
                    self._failed = (time.monotonic(), why)
                    raise NotSent(why) from e
                self._client, self._failed = client, None
            return self._client

    @property
    def started(self) -> bool:
        return self._client is not None

    def _run(self, coroutine: Awaitable[T]) -> T:
        # the command timeouts are the client's; this only waits for them
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def close(self) -> None:
        """Log out every session and stop the loop's thread."""
        with self._starting:
            self._closed = True
            client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                self._run(client.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()
