"""A long-running service's life in a process: started, ready, then served until SIGTERM or
SIGINT, and stopped."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable

Stop = Callable[[], Awaitable[None]]
PARENT_CHECK_SECONDS = 1.0


async def until_stopped(start: Callable[[], Awaitable[Stop]], ready: Callable[[], None],
                        parent: int | None = None) -> None:
    """Serve from ``start`` until SIGTERM or SIGINT (or, given ``parent``, until the process
    that started this one is gone: a worker left behind would hold the port)."""
    stop_service = await start()
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopped.set)
    ready()
    try:
        while not stopped.is_set():
            try:
                await asyncio.wait_for(stopped.wait(), PARENT_CHECK_SECONDS if parent else None)
            except TimeoutError:
                if os.getppid() != parent:
                    break
    finally:
        await stop_service()
