"""The local registry as a backend: the site is the "house registrar" of our own registry.

Every operation is the registry flow EPP runs (through the same dispatch table, as a
registrar actor), in the registrar's transaction: registry billing, history, DNS events and
poll messages are those of any registrar's command.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from datetime import datetime
from typing import Any

from sqlalchemy import select

from registry.flows.contact_create import ContactCreate
from registry.flows.contact_update import ContactUpdate
from registry.flows.context import FlowContext
from registry.flows.dispatch import flow_for
from registry.flows.domain_check import DomainCheck
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_delete import DomainDelete
from registry.flows.domain_info import DomainInfoQuery
from registry.flows.domain_renew import DomainRenew
from registry.flows.domain_restore import DomainRestoreReport, DomainRestoreRequest
from registry.flows.domain_transfer import (
    DomainTransferApprove,
    DomainTransferReject,
    DomainTransferRequest,
)
from registry.flows.domain_update import DomainUpdate
from registry.flows.fees import FeeAgreement, FeeQuery
from registry.flows.host_create import HostCreate
from registry.flows.host_delete import HostDelete
from registry.flows.poll_messages import PollAck, PollRequest, QueuedMessage
from registry.models import Tld
from registry.values import (
    Disclose,
    HostAddress,
    Period,
    PostalChange,
    PostalInfo,
    TransferData,
)
from registry.views import DomainInfo

from .base import OPERATIONS, DomainChange, Offer

# RFC 3915 4.2.1's two statements, as registrars make them
RESTORE_STATEMENTS = (
    "This registrar has not restored the Registered Name in order to assume the rights to "
    "use or sell the Registered Name for itself or for any third party.",
    "The information in this report is true to best of this registrar's knowledge, and this "
    "registrar acknowledges that intentionally supplying false information in this report "
    "shall constitute an incurable material breach of the Registry-Registrar Agreement.")


class LocalRegistry:
    name = "local"
    transactional = True

    def __init__(self, currency: str, cache_seconds: float = 10.0) -> None:
        self.currency = currency
        # the TLD list, reused as long as the registry reuses its policy (every search
        # asks for it; a TLD added reaches the site within the same delay)
        self.cache_seconds = cache_seconds
        self._tlds: tuple[float, tuple[str, ...]] | None = None

    def _run(self, ctx: FlowContext, command: Any) -> Any:
        flow = flow_for(command, ctx.actor)  # the actor check EPP gets
        return flow(dataclasses.replace(ctx, command=flow.__name__), command)

    def tlds(self, ctx: FlowContext) -> tuple[str, ...]:
        cached, now = self._tlds, time.monotonic()
        if cached is None or cached[0] < now:
            names = tuple(ctx.session.scalars(select(Tld.name).order_by(Tld.name)))
            cached = self._tlds = (now + self.cache_seconds, names)
        return cached[1]

    def check(self, ctx: FlowContext, names: list[str]) -> list[Offer]:
        result = self._run(ctx, DomainCheck(tuple(names), tuple(
            FeeQuery(op, None if op == "restore" else Period(1, "y")) for op in OPERATIONS)))
        offers = []
        for item in result.names:
            prices = {q.command: q.fee.amount if q.fee else None for q in item.fees}
            classes = [q.price_class for q in item.fees if q.fee]
            offers.append(Offer(item.name, item.available, item.reason,
                                classes[0] if classes else "standard", prices, self.currency))
        return offers

    def create(self, ctx: FlowContext, name: str, years: int, authinfo: str,
               cost: int, registrant: str | None = None) -> datetime:
        # the holder is the admin and tech contact too (what thick TLDs ask for)
        contacts = (("admin", registrant), ("tech", registrant)) if registrant else ()
        return self._run(ctx, DomainCreate(name, Period(years, "y"), registrant=registrant,
                                           contacts=contacts, authinfo=authinfo,
                                           fee=self._fee(cost))).expires_at

    def renew(self, ctx: FlowContext, name: str, years: int, cost: int) -> datetime:
        info = self.info(ctx, name)
        return self._run(ctx, DomainRenew(name, info.expires_at.date(), Period(years, "y"),
                                          fee=self._fee(cost))).expires_at

    def restore(self, ctx: FlowContext, name: str, cost: int) -> None:
        restored = self._run(ctx, DomainRestoreRequest(name, fee=self._fee(cost)))
        if restored.rgp_status == "pendingRestore":  # the TLD wants the report (RFC 3915)
            self._run(ctx, DomainRestoreReport(
                name, pre_data=f"{name}: held by one of our users when it was deleted",
                post_data=f"{name}: restored for the same user", deleted_at=ctx.now,
                restored_at=ctx.now, reason="the registrant asked for it on our site",
                statements=RESTORE_STATEMENTS))

    def transfer_request(self, ctx: FlowContext, name: str, authinfo: str, years: int,
                         cost: int) -> TransferData:
        return self._run(ctx, DomainTransferRequest(name, authinfo, period=Period(years, "y"),
                                                    fee=self._fee(cost))).transfer

    def transfer_answer(self, ctx: FlowContext, name: str, approve: bool) -> TransferData:
        command = DomainTransferApprove(name) if approve else DomainTransferReject(name)
        return self._run(ctx, command).transfer

    def update(self, ctx: FlowContext, change: DomainChange) -> None:
        self._run(ctx, DomainUpdate(
            change.name, add_nameservers=change.add_nameservers,
            rem_nameservers=change.rem_nameservers, add_statuses=change.add_statuses,
            rem_statuses=change.rem_statuses, authinfo=change.authinfo,
            ds_add=change.ds_add, ds_rem=change.ds_rem, dnssec_rem_all=change.ds_rem_all))

    def delete(self, ctx: FlowContext, name: str) -> None:
        self._run(ctx, DomainDelete(name))

    def info(self, ctx: FlowContext, name: str) -> DomainInfo:
        return self._run(ctx, DomainInfoQuery(name))

    def create_host(self, ctx: FlowContext, name: str, addresses: tuple[HostAddress, ...]
                    ) -> None:
        self._run(ctx, HostCreate(name, addresses))

    def delete_host(self, ctx: FlowContext, name: str) -> None:
        self._run(ctx, HostDelete(name))

    def create_contact(self, ctx: FlowContext, handle: str, postal: PostalInfo, email: str,
                       voice: str | None, disclose: Disclose) -> None:
        self._run(ctx, ContactCreate(handle, (postal,), email, voice,
                                     authinfo=secrets.token_urlsafe(24), disclose=disclose))

    def update_contact(self, ctx: FlowContext, handle: str, postal: PostalInfo, email: str,
                       voice: str | None) -> None:
        self._run(ctx, ContactUpdate(handle, postal=(PostalChange.replacing(postal),),
                                     email=email, voice=voice or ""))

    def poll(self, ctx: FlowContext) -> QueuedMessage | None:
        return self._run(ctx, PollRequest()).message

    def ack(self, ctx: FlowContext, message_id: int) -> None:
        self._run(ctx, PollAck(str(message_id)))

    def _fee(self, cost: int) -> FeeAgreement:
        """The registry's price the user's order was priced from (premium acknowledged, RFC
        8748): a price raised since is refused by the registry, and the item refunded."""
        return FeeAgreement(cost, self.currency)
