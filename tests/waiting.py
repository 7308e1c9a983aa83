"""Waiting for a condition with a deadline: how the suite waits, instead of fixed sleeps."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

POLL_SECONDS = 0.05


def wait_for(what: str, check: Callable[[], T], timeout: float,
             log: Callable[[], str] = lambda: "") -> T:
    """``check()``'s first truthy result, polled until ``timeout`` seconds have passed; then
    an AssertionError naming ``what``, with ``log()`` (say, a server's log) for the reader.

    The deadline only bounds a wait: tests never assert on how long something took.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s\n{log()}")
        time.sleep(POLL_SECONDS)


async def wait_for_async(what: str, check: Callable[[], T], timeout: float,
                         log: Callable[[], str] = lambda: "") -> T:
    """``wait_for`` for a test running an event loop: the loop keeps running meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s\n{log()}")
        await asyncio.sleep(POLL_SECONDS)
