"""Adding and removing the client (and, for operators, server) statuses of an object."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import ParameterPolicyError
from .context import FlowContext

DOMAIN_STATUSES = ("DeleteProhibited", "Hold", "RenewProhibited", "TransferProhibited",
                   "UpdateProhibited")
HOST_STATUSES = ("DeleteProhibited", "UpdateProhibited")
CONTACT_STATUSES = ("DeleteProhibited", "TransferProhibited", "UpdateProhibited")


def change_statuses(ctx: FlowContext, what: str, current: Iterable[str], add: Iterable[str],
                    rem: Iterable[str], kinds: tuple[str, ...] = DOMAIN_STATUSES) -> list[str]:
    """The new status list; registrars set client* values, operators server* values too."""
    settable = {f"client{k}" for k in kinds}
    if ctx.actor.is_privileged:
        settable |= {f"server{k}" for k in kinds}
    statuses = set(current)
    for status in dict.fromkeys(rem):
        if status not in settable:
            raise ParameterPolicyError(f"status {status} cannot be removed by the client",
                                       value=status)
        if status not in statuses:
            raise ParameterPolicyError(f"{what} does not have status {status}", value=status)
        statuses.discard(status)
    for status in dict.fromkeys(add):
        if status not in settable:
            raise ParameterPolicyError(f"status {status} cannot be set by the client",
                                       value=status)
        if status in statuses:
            raise ParameterPolicyError(f"{what} already has status {status}", value=status)
        statuses.add(status)
    return sorted(statuses)
