"""What the registrar's core ends a request with: a kind that maps onto an HTTP status, a
message a person can act on, and the field it is about."""

from __future__ import annotations

from registry.errors import (
    AssociationProhibitsOperation,
    AuthorizationError,
    BillingFailure,
    EppError,
    InvalidAuthorization,
    ObjectDoesNotExist,
    ObjectExists,
    ObjectPendingTransfer,
    StatusProhibitsOperation,
)


class SiteError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class InvalidInput(SiteError):
    status, title = 400, "Invalid input"


class NotAuthenticated(SiteError):
    status, title = 401, "Not logged in"


class Forbidden(SiteError):
    status, title = 403, "Not allowed"


class NotFound(SiteError):
    status, title = 404, "Not found"


class Conflict(SiteError):
    status, title = 409, "Conflict"


class InsufficientFunds(SiteError):
    status, title = 402, "Insufficient funds"

    def __init__(self, detail: str, *, shortfall: int = 0) -> None:
        super().__init__(detail)
        self.shortfall = shortfall  # minor units missing


class TooManyRequests(SiteError):
    status, title = 429, "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(SiteError):
    status, title = 503, "Temporarily unavailable"


def from_registry(error: EppError) -> SiteError:
    """A registry refusal as the site says it (its reason is written for people already)."""
    if isinstance(error, ObjectDoesNotExist):
        return NotFound(error.reason)
    if isinstance(error, (ObjectExists, ObjectPendingTransfer, StatusProhibitsOperation,
                          AssociationProhibitsOperation)):
        return Conflict(error.reason)
    if isinstance(error, (AuthorizationError, InvalidAuthorization)):
        return Forbidden(error.reason)
    if isinstance(error, BillingFailure):
        return Unavailable("the registrar cannot pay the registry at the moment; "
                           "nothing was charged")
    if error.code >= 2400:
        return Unavailable(error.reason)
    return InvalidInput(error.reason)
