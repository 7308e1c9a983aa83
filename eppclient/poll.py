"""Poll messages (RFC 5730 2.9.2.3): read, have the caller record the effect, then ack.

A message is acknowledged only after ``record`` returned, and recorded at most once per
msgID: when an ack's answer is lost the registry serves the same message again, and
``recorded(msg_id)`` (the caller's own store, where ``record`` wrote) says it was done."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from eppclient import commands
from eppclient.changepoll import Change, parse_change
from eppclient.domain import (
    PendingAction,
    TransferStatus,
    parse_pending_action,
    parse_transfer,
)
from eppclient.errors import CommandFailed
from eppclient.namespaces import CHANGE_POLL, tag
from eppclient.responses import ExtValue, Response

log = logging.getLogger(__name__)
NO_MESSAGES = 1300
MESSAGE_NOT_FOUND = 2303


@dataclass(frozen=True)
class PollMessage:
    id: str
    remaining: int            # messages in the queue, this one included
    queued_at: datetime | None
    text: str | None
    response: Response = field(repr=False)   # resData and extensions, in any namespace

    @property
    def transfer(self) -> TransferStatus | None:
        """A domain transfer's state (requested, approved, rejected ... by whom, when)."""
        return parse_transfer(self.response, None)

    @property
    def pending_action(self) -> PendingAction | None:
        """How a domain action we were answered 1001 for ended (RFC 5731 panData)."""
        return parse_pending_action(self.response)

    @property
    def change(self) -> Change | None:
        """What the registry itself did (changePoll), whether we logged in with it or it
        came in an extValue."""
        node = self.response.extension(CHANGE_POLL, "changeData")
        if node is None:
            node = next((v.value for v in self.unhandled if v.value is not None
                         and v.value.tag == tag(CHANGE_POLL, "changeData")), None)
        return parse_change(node)

    @property
    def unhandled(self) -> tuple[ExtValue, ...]:
        """RFC 9038: parts in namespaces we did not log in with, kept whole."""
        return self.response.ext_values


Record = Callable[[PollMessage], Awaitable[None]]
Recorded = Callable[[str], Awaitable[bool]]


async def poll_request(client) -> PollMessage | None:
    """The oldest queued message, or None when the queue is empty."""
    response = await client.execute(commands.poll(client.clid, "req"))
    if response.code == NO_MESSAGES or response.queue is None:
        return None
    queue = response.queue
    return PollMessage(queue.id, queue.count, queue.queued_at, queue.message, response)


async def poll_ack(client, message_id: str) -> None:
    """Acknowledge ``message_id``; an ack already done (its answer lost) is not an error."""
    try:
        await client.execute(commands.poll(client.clid, "ack", message_id))
    except CommandFailed as e:
        if e.code != MESSAGE_NOT_FOUND:
            raise


async def drain(client, record: Record, recorded: Recorded) -> int:
    """Handle every queued message; the number recorded now (not before)."""
    handled = 0
    while (message := await poll_request(client)) is not None:
        if not await recorded(message.id):
            await record(message)
            handled += 1
        await poll_ack(client, message.id)
    return handled


async def poll_loop(client, record: Record, recorded: Recorded, *, interval: float,
                    stop: asyncio.Event) -> None:
    """``drain`` every ``interval`` seconds until ``stop`` is set. A failure (the
    registry's or ``record``'s) is logged and the message retried next round, never
    acknowledged unrecorded."""
    while not stop.is_set():
        try:
            await drain(client, record, recorded)
        except Exception:  # the loop outlives any one failure; it is logged
            log.exception("%s: poll round failed", client.config.name)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
