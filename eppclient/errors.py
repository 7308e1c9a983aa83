"""What can go wrong, as types a caller can tell apart."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eppclient.commands import Command
    from eppclient.responses import Response


class EppClientError(Exception):
    """Base of every error the client raises."""


class FrameError(EppClientError):
    """The server broke the framing or sent a document we refuse (the session is dropped)."""


class ConnectionLost(EppClientError):
    """The connection failed or closed before the answer arrived."""


class CommandTimeout(ConnectionLost):
    """No answer within the command's timeout; the session is dropped, as its state is
    unknown."""


class NotSent(EppClientError):
    """The command never left the client (no session could be had): safe to try again."""


class CommandFailed(EppClientError):
    """The server answered with a result code of 2000 or more."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"{response.code} {response.message}")
        self.response = response
        self.code = response.code
        self.message = response.message


class LoginFailed(CommandFailed):
    """The server refused the login (wrong password, certificate, services...)."""


class OutcomeUnknown(EppClientError):
    """A transform was sent and its answer lost: it may or may not have happened.

    It is never resent blindly: ``settle()`` finds out with info/check queries.
    ``command`` is exactly what was sent (frame, clTRID, parameters, when)."""

    def __init__(self, command: Command, cause: BaseException) -> None:
        super().__init__(f"{command.verb} of {command.object_id!r}: outcome unknown ({cause})")
        self.command = command
        self.cause = cause


class CannotSettle(EppClientError):
    """``settle()`` could not tell from the registry's answers whether a command happened."""
