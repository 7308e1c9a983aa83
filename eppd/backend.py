"""The seam between the EPP session and whatever executes commands (the registry core).

The session owns protocol state (greeting, login, logout, timeouts, svTRIDs); a ``Backend``
owns everything a command means. Both methods may block (they query a database), so the
session calls them through a ``CallRunner`` (eppd.calls): by default a thread pool. On the
reactor thread instead: every call with ``backend_calls = "inline"``, and a batch of read-only
commands that the core backend runs without waiting on a lock (eppd.call_batches).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from lxml import etree


@dataclass(frozen=True)
class ServiceMenu:
    """What the greeting advertises and a login may ask for."""

    obj_uris: tuple[str, ...]
    ext_uris: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoginResult:
    """The backend's verdict on a login; a code below 2000 logs the session in."""

    code: int
    message: str | None = None
    # The backend's own note of who logged in (its id, say), kept by the session and handed
    # back with every command (SessionInfo.principal): what login learnt, nothing to look up.
    principal: object = None

    @property
    def accepted(self) -> bool:
        return self.code < 2000


@dataclass(frozen=True)
class SessionInfo:
    """Who sent a command: the logged-in registrar and what it negotiated at login."""

    clid: str
    obj_uris: frozenset[str]
    ext_uris: frozenset[str]
    cert_fingerprint: str
    peer_ip: str
    principal: object = None  # LoginResult.principal


@dataclass(frozen=True)
class CommandRequest:
    """One schema-valid command other than login/logout, for ``Backend.execute``."""

    session: SessionInfo
    verb: str  # check, create, delete, info, poll, renew, transfer, update
    object_uri: str | None  # namespace of the object element; None for poll
    command: etree._Element  # the <epp:command> element, extensions included
    cl_trid: str | None
    sv_trid: str


@dataclass(frozen=True)
class ResultValue:
    """A ``<value>`` (reason None) or ``<extValue>`` in a result: the offending element."""

    element: etree._Element
    reason: str | None = None


@dataclass(frozen=True)
class MessageQueue:
    """``<msgQ>``: the count of queued poll messages, and for poll req the message itself."""

    count: int
    id: str
    q_date: datetime | None = None
    message: str | None = None


@dataclass(frozen=True)
class CommandReply:
    """What the session wraps into ``<response>`` (it adds trID itself)."""

    code: int
    message: str | None = None  # None: the RFC 5730 text for ``code``
    values: tuple[ResultValue, ...] = ()
    res_data: tuple[etree._Element, ...] = ()
    extensions: tuple[etree._Element, ...] = ()
    msg_queue: MessageQueue | None = None


class Backend(Protocol):
    """Implemented by the registry core's backend (eppd.core_backend) and by test backends."""

    service_menu: ServiceMenu

    def authenticate(self, clid: str, password: str, new_password: str | None,
                     cert_fingerprint: str, peer_ip: str) -> LoginResult:
        """Check the clid/password/certificate triple and the peer address; apply newPW."""
        ...

    def execute(self, request: CommandRequest) -> CommandReply:
        """Run one command for ``request.session.clid``."""
        ...
