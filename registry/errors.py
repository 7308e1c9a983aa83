"""Typed errors raised by flows, each with its EPP result code (RFC 5730 section 3) and a reason.

Only the codes the core ends a command with (2400 is EppError itself and CommandFailed).
eppd answers the others itself: 2001, 2103 and 2307 for a frame it cannot run, 2500-2502
when it closes the session; eppd/result_codes.py has the text of every code.
"""

from __future__ import annotations


class EppError(Exception):
    """Base of every error a command can end with; ``reason`` is for humans and clients alike."""

    code = 2400
    message = "Command failed"

    def __init__(self, reason: str = "", *, value: str | None = None) -> None:
        super().__init__(reason or self.message)
        self.reason = reason or self.message
        # The offending element value, echoed in EPP's <value> when the client may want it.
        self.value = value


class CommandUseError(EppError):
    code = 2002
    message = "Command use error"


class RequiredParameterMissing(EppError):
    code = 2003
    message = "Required parameter missing"


class ParameterRangeError(EppError):
    code = 2004
    message = "Parameter value range error"


class ParameterSyntaxError(EppError):
    code = 2005
    message = "Parameter value syntax error"


class UnimplementedCommand(EppError):
    code = 2101
    message = "Unimplemented command"


class UnimplementedOption(EppError):
    code = 2102
    message = "Unimplemented option"


class BillingFailure(EppError):
    code = 2104
    message = "Billing failure"


class NotEligibleForTransfer(EppError):
    code = 2106
    message = "Object is not eligible for transfer"


class AuthenticationError(EppError):
    code = 2200
    message = "Authentication error"


class AuthorizationError(EppError):
    code = 2201
    message = "Authorization error"


class InvalidAuthorization(EppError):
    code = 2202
    message = "Invalid authorization information"


class ObjectPendingTransfer(EppError):
    code = 2300
    message = "Object pending transfer"


class ObjectNotPendingTransfer(EppError):
    code = 2301
    message = "Object not pending transfer"


class ObjectExists(EppError):
    code = 2302
    message = "Object exists"


class ObjectDoesNotExist(EppError):
    code = 2303
    message = "Object does not exist"


class StatusProhibitsOperation(EppError):
    code = 2304
    message = "Object status prohibits operation"


class AssociationProhibitsOperation(EppError):
    code = 2305
    message = "Object association prohibits operation"


class ParameterPolicyError(EppError):
    code = 2306
    message = "Parameter value policy error"


class CommandFailed(EppError):
    code = 2400
    message = "Command failed"


class CommitOutcomeUnknown(CommandFailed):
    """The connection to the database was lost while the command was committing, and it
    could not be found out in time whether the commit happened."""

    message = ("Command outcome unknown: the database connection was lost while committing "
               "and the result could not be confirmed; the command may have completed: "
               "check the object (info, or the poll queue) before sending it again")


class CommandTimedOut(CommandFailed):
    """The command's time budget ran out before COMMIT: it was rolled back."""

    message = ("Command failed: the database did not answer in time; the command was rolled "
               "back and changed nothing, so it may be sent again")


class DatabaseUnavailable(CommandFailed):
    """The database could not be reached: the command was not carried out."""

    message = ("Command failed: the registry's database cannot be reached; the command was "
               "not carried out and may be sent again")


def quoted(value: object) -> str:
    """A value as a one-line refusal quotes it back: its repr, cut short if it is long."""
    text = str(value)
    return repr(text if len(text) <= 32 else f"{text[:24]}...")
