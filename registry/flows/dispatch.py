"""Which flow runs which command: the one table eppd, the web UI and the CLI all go through."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ..errors import AuthorizationError
from . import (
    balance_info,
    claims_check,
    contact_check,
    contact_create,
    contact_delete,
    contact_info,
    contact_transfer,
    contact_update,
    domain_check,
    domain_create,
    domain_delete,
    domain_info,
    domain_renew,
    domain_restore,
    domain_transfer,
    domain_update,
    host_check,
    host_create,
    host_delete,
    host_info,
    host_update,
    launch_application,
    poll_messages,
    session_login,
)
from .context import Actor, ActorKind

FLOWS: dict[type, Callable[[Any, Any], Any]] = {
    domain_check.DomainCheck: domain_check.domain_check,
    domain_info.DomainInfoQuery: domain_info.domain_info,
    domain_create.DomainCreate: domain_create.domain_create,
    domain_update.DomainUpdate: domain_update.domain_update,
    domain_delete.DomainDelete: domain_delete.domain_delete,
    domain_renew.DomainRenew: domain_renew.domain_renew,
    domain_transfer.DomainTransferRequest: domain_transfer.domain_transfer_request,
    domain_transfer.DomainTransferQuery: domain_transfer.domain_transfer_query,
    domain_transfer.DomainTransferApprove: domain_transfer.domain_transfer_approve,
    domain_transfer.DomainTransferReject: domain_transfer.domain_transfer_reject,
    domain_transfer.DomainTransferCancel: domain_transfer.domain_transfer_cancel,
    domain_restore.DomainRestoreRequest: domain_restore.domain_restore_request,
    domain_restore.DomainRestoreReport: domain_restore.domain_restore_report,
    host_check.HostCheck: host_check.host_check,
    host_info.HostInfoQuery: host_info.host_info,
    host_create.HostCreate: host_create.host_create,
    host_update.HostUpdate: host_update.host_update,
    host_delete.HostDelete: host_delete.host_delete,
    contact_check.ContactCheck: contact_check.contact_check,
    contact_info.ContactInfoQuery: contact_info.contact_info,
    contact_create.ContactCreate: contact_create.contact_create,
    contact_update.ContactUpdate: contact_update.contact_update,
    contact_delete.ContactDelete: contact_delete.contact_delete,
    contact_transfer.ContactTransferRequest: contact_transfer.contact_transfer_request,
    contact_transfer.ContactTransferQuery: contact_transfer.contact_transfer_query,
    contact_transfer.ContactTransferApprove: contact_transfer.contact_transfer_approve,
    contact_transfer.ContactTransferReject: contact_transfer.contact_transfer_reject,
    contact_transfer.ContactTransferCancel: contact_transfer.contact_transfer_cancel,
    poll_messages.PollRequest: poll_messages.poll_request,
    poll_messages.PollAck: poll_messages.poll_ack,
    session_login.Login: session_login.login,
    balance_info.BalanceInfoQuery: balance_info.balance_info,
    claims_check.ClaimsCheck: claims_check.claims_check,
    launch_application.ApplicationInfoQuery: launch_application.application_info,
    launch_application.ApplicationUpdate: launch_application.application_update,
    launch_application.ApplicationDelete: launch_application.application_delete,
}

# Which kinds of actor may run a command at all, checked before its flow reads anything (each
# flow then applies its own rules: sponsorship, server statuses, authInfo). Users and clients
# not logged in run no registry command but login, which only they run.
REGISTRY_ACTORS = frozenset({ActorKind.REGISTRAR, ActorKind.OPERATOR, ActorKind.SYSTEM})
RUN_BY: dict[type, frozenset[ActorKind]] = {
    session_login.Login: frozenset({ActorKind.CLIENT}),
}


def flow_for(command: Any, actor: Actor) -> Callable[[Any, Any], Any]:
    """The flow that runs ``command``, if ``actor`` may run it (else 2201)."""
    flow = FLOWS.get(type(command))
    if flow is None:
        raise TypeError(f"no flow handles {type(command).__name__}")
    require_kind(actor, RUN_BY.get(type(command), REGISTRY_ACTORS), flow.__name__)
    return flow


def run_in(ctx: Any, command: Any) -> Any:
    """Run ``command``'s flow inside a task's transaction (``Registry.run``: the site, the
    operators' console), with the actor check EPP gets and the flow's name in history."""
    flow = flow_for(command, ctx.actor)
    return flow(dataclasses.replace(ctx, command=flow.__name__), command)


def require_kind(actor: Actor, kinds: frozenset[ActorKind], what: str) -> None:
    if actor.kind not in kinds:
        raise AuthorizationError(f"{what} cannot be run by a {actor.kind} actor")


# Commands that only read (they may still settle due lifecycle events): these may share one
# transaction in Registry.execute_batch.
READ_ONLY = frozenset({
    domain_check.DomainCheck, domain_info.DomainInfoQuery,
    domain_transfer.DomainTransferQuery, host_check.HostCheck, host_info.HostInfoQuery,
    contact_check.ContactCheck, contact_info.ContactInfoQuery,
    contact_transfer.ContactTransferQuery, poll_messages.PollRequest,
    balance_info.BalanceInfoQuery, claims_check.ClaimsCheck,
    launch_application.ApplicationInfoQuery,
})
# Read-only commands that never write, whatever the data (a check of a domain whose lifecycle
# is due is the exception Registry.execute_batch looks out for): these may run without a
# transaction at all.
PURE_READS = frozenset({domain_check.DomainCheck, host_check.HostCheck,
                        contact_check.ContactCheck, poll_messages.PollRequest})
