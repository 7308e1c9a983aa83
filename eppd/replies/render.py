"""One core ``Response`` to the ``CommandReply`` the session wraps into ``<response>``.

Extension data goes only to clients that logged in with the extension (RFC 5730 2.9.1.1):
for ordinary responses it is left out, for poll messages it is set aside per RFC 9038.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from eppd.backend import CommandReply, MessageQueue
from eppd.commands.fee import FeeCheck
from eppd.namespaces import ALLOCATION_TOKEN, FEE, LAUNCH, RGP, SECDNS
from eppd.replies import (
    allocation_token,
    balance,
    contact,
    domain,
    fee,
    host,
    launch,
    poll,
    rgp,
    secdns,
)
from registry.flows.balance_info import BalanceInfo
from registry.flows.claims_check import ClaimsCheckResult
from registry.flows.contact_check import ContactCheckResult
from registry.flows.contact_create import ContactCreated
from registry.flows.contact_transfer import ContactTransferResult
from registry.flows.domain_check import DomainCheckResult
from registry.flows.domain_create import DomainCreated
from registry.flows.domain_delete import DomainDeleted
from registry.flows.domain_renew import DomainRenewed
from registry.flows.domain_restore import DomainRestored
from registry.flows.domain_transfer import DomainTransferResult
from registry.flows.host_check import HostCheckResult
from registry.flows.host_create import HostCreated
from registry.flows.launch_application import ApplicationInfo
from registry.flows.poll_messages import PollAcked, PollResult
from registry.values import Charge, QueueInfo, Response
from registry.views import ContactInfo, DomainInfo, HostInfo


@dataclass(frozen=True)
class RenderContext:
    poll: poll.PollContext
    currency: str  # the client's billing currency, for balances
    fee_check: FeeCheck | None = None

    @property
    def ext_uris(self) -> frozenset[str]:
        return self.poll.ext_uris


Parts = tuple[tuple[etree._Element, ...], tuple[etree._Element, ...]]


def render(response: Response, ctx: RenderContext) -> CommandReply:
    result = response.result
    if isinstance(result, PollResult):
        if result.message is None:
            return CommandReply(1300)
        return poll.message_reply(result.message, response.queue, ctx.poll)
    if isinstance(result, PollAcked):
        count = response.queue.count if response.queue is not None else 0
        return CommandReply(1000, msg_queue=MessageQueue(count, str(result.message_id)))
    build = _BUILDERS.get(type(result))
    res_data, extensions = build(result, ctx) if build is not None else ((), ())
    return CommandReply(response.code, res_data=res_data, extensions=extensions,
                        msg_queue=_queue(response.queue))


def _queue(queue: QueueInfo | None) -> MessageQueue | None:
    # msgQ needs the id of a message, so an empty queue is shown by no msgQ at all.
    if queue is None or not queue.count:
        return None
    return MessageQueue(queue.count, str(queue.first_id))


def _fees(ctx: RenderContext, name: str, charge: Charge | None) -> tuple[etree._Element, ...]:
    if charge is None or FEE not in ctx.ext_uris:
        return ()
    return (fee.transform_data(name, charge, ctx.currency),)


def _optional(*elements: etree._Element | None) -> tuple[etree._Element, ...]:
    return tuple(e for e in elements if e is not None)


def _domain_check(result: DomainCheckResult, ctx: RenderContext) -> Parts:
    if ctx.fee_check is None:
        return (domain.chk_data(result),), ()
    return (domain.chk_data(result),), (fee.chk_data(result, ctx.fee_check, ctx.currency),)


def _domain_info(result: DomainInfo, ctx: RenderContext) -> Parts:
    ext = ctx.ext_uris
    return (domain.inf_data(result),), _optional(
        secdns.inf_data(result) if SECDNS in ext else None,
        rgp.inf_data(result.rgp_statuses) if RGP in ext else None,
        allocation_token.inf_data(result.allocation_token)
        if result.allocation_token and ALLOCATION_TOKEN in ext else None,
        launch.inf_data(result.launch) if result.launch and LAUNCH in ext else None)


def _domain_created(result: DomainCreated, ctx: RenderContext) -> Parts:
    application = (launch.cre_data(result.application),) \
        if result.application is not None and LAUNCH in ctx.ext_uris else ()
    return (domain.cre_data(result),), application + _fees(ctx, "creData", result.charge)


def _domain_restored(result: DomainRestored, ctx: RenderContext) -> Parts:
    status = (result.rgp_status,) if result.rgp_status and RGP in ctx.ext_uris else ()
    return (), _optional(rgp.up_data(status)) + _fees(ctx, "updData", result.charge)


_BUILDERS: dict[type, Callable[[Any, RenderContext], Parts]] = {
    DomainCheckResult: _domain_check,
    DomainInfo: _domain_info,
    DomainCreated: _domain_created,
    ApplicationInfo: lambda r, ctx: ((domain.application_inf_data(r),), _optional(
        launch.inf_data(r.launch) if LAUNCH in ctx.ext_uris else None)),
    DomainRenewed: lambda r, ctx: ((domain.ren_data(r.name, r.expires_at),),
                                   _fees(ctx, "renData", r.charge)),
    DomainTransferResult: lambda r, ctx: ((domain.trn_data(r.transfer),),
                                          _fees(ctx, "trnData", r.charge)),
    DomainDeleted: lambda r, ctx: ((), _fees(ctx, "delData", r.refund)),
    DomainRestored: _domain_restored,
    HostCheckResult: lambda r, ctx: ((host.chk_data(r),), ()),
    HostInfo: lambda r, ctx: ((host.inf_data(r),), ()),
    HostCreated: lambda r, ctx: ((host.cre_data(r),), ()),
    ContactCheckResult: lambda r, ctx: ((contact.chk_data(r),), ()),
    ContactInfo: lambda r, ctx: ((contact.inf_data(r),), ()),
    ContactCreated: lambda r, ctx: ((contact.cre_data(r),), ()),
    ContactTransferResult: lambda r, ctx: ((contact.trn_data(r.transfer),), ()),
    BalanceInfo: lambda r, ctx: ((balance.inf_data(r),), ()),
    # RFC 8334 3.1.1: a claims check answers in the extension alone
    ClaimsCheckResult: lambda r, ctx: ((), (launch.chk_data(r),)),
}
