"""An asyncio EPP client (RFC 5730-5734): a pool of logged-in TLS sessions per registry,
typed commands and answers, and transforms that are never blindly resent.
docs/eppclient.md describes the API and its guarantees."""

from eppclient.client import EppClient
from eppclient.config import RegistryConfig, tls_context
from eppclient.contact import Contact, PostalInfo
from eppclient.domain import DomainChanges
from eppclient.errors import (
    CannotSettle,
    CommandFailed,
    CommandTimeout,
    ConnectionLost,
    EppClientError,
    FrameError,
    LoginFailed,
    NotSent,
    OutcomeUnknown,
)
from eppclient.fee import FeeQuery
from eppclient.poll import PollMessage, drain, poll_ack, poll_loop, poll_request
from eppclient.rgp import RestoreReport
from eppclient.secdns import DsData
from eppclient.settle import Settlement, settle

__all__ = [
    "CannotSettle", "CommandFailed", "CommandTimeout", "ConnectionLost", "Contact",
    "DomainChanges", "DsData", "EppClient", "EppClientError", "FeeQuery", "FrameError",
    "LoginFailed", "NotSent", "OutcomeUnknown", "PollMessage", "PostalInfo", "RegistryConfig",
    "RestoreReport", "Settlement", "drain", "poll_ack", "poll_loop", "poll_request", "settle",
    "tls_context",
]
