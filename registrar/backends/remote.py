"""A remote EPP registry (a PyRar peer or any other) as a backend, through eppclient.

Prices come from the registry's fee-1.0 check answers, kept ``price_seconds`` per name, or
from the upstream's flat prices when the registry does not offer fee-1.0. Availability is
always asked afresh. A transform's price is agreed with the registry (fee-1.0), so a price
raised since the order was priced is refused there, and the item refunded.

Operations are not transactional: the order processor (registrar/remote_orders.py) records
an item "submitted" before calling ``create``/``renew``/``transfer_request``/``restore``
and settles it from the answer or, when the answer was lost, with ``settle`` (info and
transfer queries only; a transform is never sent twice).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import TypeVar

from eppclient import (
    CommandFailed,
    Contact,
    DomainChanges,
    EppClient,
    FeeQuery,
    NotSent,
    OutcomeUnknown,
    RestoreReport,
)
from eppclient import DsData as EppDs
from eppclient import PostalInfo as EppPostal
from eppclient.commands import Command
from eppclient.domain import DomainInfo as EppDomainInfo
from eppclient.namespaces import FEE
from eppclient.settle import settle
from registry import errors as registry_errors
from registry.errors import EppError
from registry.flows.context import FlowContext
from registry.flows.poll_messages import QueuedMessage
from registry.money import format_amount, parse_amount
from registry.values import Disclose, DsData, HostAddress, PostalInfo, TransferData
from registry.views import DomainInfo

from .base import OPERATIONS, DomainChange, Offer
from .epp_link import EppLink
from .local import RESTORE_STATEMENTS

log = logging.getLogger("pyrar.registrar.remote")
T = TypeVar("T")
UNREACHABLE = 2400
ACTION_PENDING = 1001  # RFC 5730: accepted; the outcome comes later as a poll message


class ActionPending(Exception):
    """The registry accepted a transform but will decide later (result 1001): its
    ``<domain:panData>`` poll message says how it ended (registrar/remote_orders.py)."""


def _error_classes() -> dict[int, type[EppError]]:
    found, todo = {}, [EppError]
    while todo:
        cls = todo.pop()
        found.setdefault(cls.code, cls)
        todo += cls.__subclasses__()
    return found


_BY_CODE = _error_classes()


def registry_error(upstream: str, e: CommandFailed) -> EppError:
    """The registry's refusal as the core's typed error, its reason kept."""
    reasons = [v.reason for v in e.response.ext_values if v.reason]
    reason = "; ".join(reasons) or e.message
    return _BY_CODE.get(e.code, EppError)(f"{upstream}: {reason}")


@dataclass(frozen=True)
class Upstream:
    """How the site sells one remote registry's TLDs (registrar/upstreams.py loads it)."""

    name: str
    tlds: tuple[str, ...]
    currency: str
    markup_percent: int | None
    flat_prices: dict[str, int]
    contacts: str = "registrant"  # registrar/upstreams.py CONTACTS


@dataclass(frozen=True)
class Settled:
    """What a remote transform turned out to be, from the registry's state."""

    applied: bool
    detail: str
    info: DomainInfo | None


class RemoteRegistry:
    transactional = False

    def __init__(self, upstream: Upstream, link: EppLink, price_seconds: float = 300.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.upstream = upstream
        self.name = upstream.name
        self.currency = upstream.currency
        self.markup_percent = upstream.markup_percent
        self.link = link
        self.price_seconds = price_seconds
        self._monotonic = monotonic
        self._prices: dict[str, tuple[float, str, dict[str, int | None]]] = {}
        self._prices_lock = threading.Lock()
        # contacts of ours known to hold these data here (only we change them): a create
        # asks no contact info for them
        self._current: dict[str, tuple] = {}

    @property
    def settle_after(self) -> float:
        """How long a submitted item may still be on its way: its own call ends by then."""
        c = self.link.config
        return c.connect_timeout + c.acquire_timeout + c.command_timeout + 5.0

    # -- plumbing ---------------------------------------------------------------------

    def _call(self, work: Callable[[EppClient], Awaitable[T]]) -> T:
        """``work`` on the registry; its refusals as the core's errors. OutcomeUnknown (a
        transform's answer lost) passes through for the order processor."""
        try:
            return self.link.call(work)
        except CommandFailed as e:
            raise registry_error(self.name, e) from None
        except NotSent as e:
            raise self._unreachable(e) from None

    def _unreachable(self, e: NotSent) -> EppError:
        return EppError(f"the registry of {self.name} cannot be reached now ({e}); "
                        "nothing was sent")

    def _price(self, cost: int) -> Decimal | None:
        """The amount agreed with the registry (fee-1.0), when it takes agreements."""
        if not self.offers_fees():
            return None
        return Decimal(format_amount(cost, self.currency))

    def offers_fees(self) -> bool:
        try:
            return self.link.client().offers(FEE)
        except NotSent as e:
            raise self._unreachable(e) from None

    # -- the Backend interface --------------------------------------------------------

    def tlds(self, ctx: FlowContext) -> tuple[str, ...]:
        return self.upstream.tlds

    def check(self, ctx: FlowContext, names: list[str]) -> list[Offer]:
        now = self._monotonic()
        with self._prices_lock:
            cached = {n: p for n in names if (p := self._prices.get(n)) and p[0] > now}
        fees = self.offers_fees()
        unpriced = [n for n in names if n not in cached] if fees else []
        answers = {}
        if unpriced:
            queries = tuple(FeeQuery(op, None if op == "restore" else 1) for op in OPERATIONS)
            for a in self._call(lambda c: c.domain_check(*unpriced, fees=queries)):
                answers[a.name.lower()] = a
                with self._prices_lock:
                    self._prices[a.name.lower()] = (now + self.price_seconds,
                                                    *self._fee_prices(a.fee))
        rest = [n for n in names if n.lower() not in answers]
        if rest:
            for a in self._call(lambda c: c.domain_check(*rest)):
                answers[a.name.lower()] = a
        offers = []
        for n in names:
            a = answers[n.lower()]
            if fees:
                _, price_class, prices = self._prices.get(n.lower(), (0, "standard", {}))
            else:
                price_class, prices = "standard", {op: self.upstream.flat_prices.get(op)
                                                   for op in OPERATIONS}
            offers.append(Offer(a.name.lower(), a.available, a.reason, price_class,
                                dict(prices), self.currency, self.markup_percent))
        return offers

    def _fee_prices(self, fee) -> tuple[str, dict[str, int | None]]:
        if fee is None or fee.currency.upper() != self.currency.upper():
            return "standard", dict.fromkeys(OPERATIONS)
        prices: dict[str, int | None] = {}
        for op in OPERATIONS:
            quote = fee.quote(op)
            prices[op] = None if quote is None or not quote.fees else parse_amount(
                str(quote.total), self.currency)
        return (fee.fee_class or ("premium" if fee.premium else "standard")), prices

    def create(self, ctx: FlowContext, name: str, years: int, authinfo: str,
               cost: int, registrant: str | None = None) -> datetime:
        """``registrant``: the user's contact handle, made here first (``ensure_contact``);
        sent as admin and tech too to a thick registry, not at all to a minimum one."""
        price = self._price(cost)
        mode = self.upstream.contacts
        holder = registrant if mode != "none" else None
        roles = (("admin", holder), ("tech", holder)) if holder and mode == "all" else ()
        created = self._call(lambda c: c.domain_create(name, auth_info=authinfo, years=years,
                                                       registrant=holder, contacts=roles,
                                                       price=price))
        _decided(created.response.code, "create", name)
        return created.expires_at or self._domain(name).expires_at  # exDate is optional

    def renew(self, ctx: FlowContext, name: str, years: int, cost: int) -> datetime:
        current = self.info(ctx, name).expires_at
        price = self._price(cost)
        renewed = self._call(lambda c: c.domain_renew(name, current.date(), years, price))
        _decided(renewed.response.code, "renew", name)
        return renewed.expires_at or self._domain(name).expires_at

    def restore(self, ctx: FlowContext, name: str, cost: int) -> None:
        price = self._price(cost)
        self._call(lambda c: c.domain_restore(name, price))
        if "pendingRestore" in self.report_restore(name, ctx.now).rgp_statuses:
            # reported, and the registry still deciding (its panData will say)
            _decided(ACTION_PENDING, "restore", name)

    def report_restore(self, name: str, at: datetime) -> DomainInfo:
        """The RFC 3915 report, when the registry waits for one (pendingRestore): after a
        request, or after a request whose answer was lost was found applied (without it
        the registry puts the name back into redemption). The name's state after."""
        info = self._call(lambda c: c.domain_info(name))
        if "pendingRestore" not in info.rgp_statuses:
            return _info(info)
        report = RestoreReport(
            pre_data=f"{name}: held by one of our users when it was deleted",
            post_data=f"{name}: restored for the same user", deleted_at=at,
            restored_at=at, reason="the registrant asked for it on our site",
            statements=RESTORE_STATEMENTS)
        self._call(lambda c: c.domain_restore_report(name, report))
        return self._domain(name)

    def transfer_request(self, ctx: FlowContext, name: str, authinfo: str, years: int,
                         cost: int) -> TransferData:
        price = self._price(cost)
        state = self._call(lambda c: c.domain_transfer("request", name, auth_info=authinfo,
                                                       years=years, price=price))
        return _transfer(state)

    def transfer_answer(self, ctx: FlowContext, name: str, approve: bool) -> TransferData:
        op = "approve" if approve else "reject"
        return _transfer(self._call(lambda c: c.domain_transfer(op, name)))

    def update(self, ctx: FlowContext, change: DomainChange) -> None:
        add = DomainChanges(ns=change.add_nameservers, statuses=change.add_statuses)
        rem = DomainChanges(ns=change.rem_nameservers, statuses=change.rem_statuses)
        self._call(lambda c: c.domain_update(
            change.name, add=add, rem=rem, auth_info=change.authinfo,
            ds_add=tuple(_epp_ds(d) for d in change.ds_add),
            ds_rem=tuple(_epp_ds(d) for d in change.ds_rem),
            ds_remove_all=change.ds_rem_all))

    def delete(self, ctx: FlowContext, name: str) -> None:
        self._call(lambda c: c.domain_delete(name))

    def info(self, ctx: FlowContext, name: str) -> DomainInfo:
        return self._domain(name)

    def _domain(self, name: str) -> DomainInfo:
        return _info(self._call(lambda c: c.domain_info(name)))

    def create_host(self, ctx: FlowContext, name: str, addresses: tuple[HostAddress, ...]
                    ) -> None:
        self._call(lambda c: c.host_create(name, tuple(a.address for a in addresses)))

    def delete_host(self, ctx: FlowContext, name: str) -> None:
        self._call(lambda c: c.host_delete(name))

    def create_contact(self, ctx: FlowContext, handle: str, postal: PostalInfo, email: str,
                       voice: str | None, disclose: Disclose) -> None:
        contact = Contact(handle, email, (_epp_postal(postal),), voice,
                          auth_info=secrets.token_urlsafe(24),
                          withheld=() if disclose.flag else disclose.fields)
        self._call(lambda c: c.contact_create(contact))

    def update_contact(self, ctx: FlowContext, handle: str, postal: PostalInfo, email: str,
                       voice: str | None) -> None:
        self._call(lambda c: c.contact_update(handle, postal=(_epp_postal(postal),),
                                              voice=voice, email=email))

    def ensure_contact(self, handle: str, postal: PostalInfo, email: str, voice: str | None,
                       disclose: Disclose) -> None:
        """The user's contact made here, or brought up to date, before a name is created
        with it (nothing for a minimum-data-set registry). A contact create whose answer
        was lost is settled by ``info``; a lost update is left for the next time."""
        if self.upstream.contacts == "none" or \
                self._current.get(handle) == (postal, email, voice):
            return
        if self.sync_contact(handle, postal, email, voice):
            return
        try:
            self.create_contact(None, handle, postal, email, voice, disclose)
        except OutcomeUnknown:
            if not self.sync_contact(handle, postal, email, voice):
                raise EppError(f"{self.name}: the contact {handle} could not be made "
                               "(its answer was lost and it does not show)") from None
        self._current[handle] = (postal, email, voice)

    def sync_contact(self, handle: str, postal: PostalInfo, email: str, voice: str | None
                     ) -> bool:
        """Update our contact ``handle`` here if its data differ; False when there is no
        such contact of ours. A handle another registrar holds here is refused."""
        try:
            found = self._call(lambda c: c.contact_info(handle))
        except registry_errors.ObjectDoesNotExist:
            return False
        if found.sponsor != self.link.config.clid:
            raise registry_errors.AuthorizationError(
                f"{self.name}: the contact {handle} belongs to another registrar there")
        held = found.contact
        wanted = _epp_postal(postal)
        self._current.pop(handle, None)
        if (held.email, held.voice or None, held.postal) != (email, voice or None, (wanted,)):
            try:
                self.update_contact(None, handle, postal, email, voice)
            except OutcomeUnknown as e:
                log.warning("update of contact %s at %s: answer lost (%s); brought up to "
                            "date next time", handle, self.name, e.cause)
                return True
        self._current[handle] = (postal, email, voice)
        return True

    def adopt_contacts(self, name: str, handle: str) -> bool:
        """After a transfer in, the name's contacts here as a create of ours sends them
        (``upstream.contacts``): ``handle`` (ours, made here: ``ensure_contact``) as
        registrant, and as admin and tech for ``all``; the losing registrar's left on it
        removed. Only what differs from ``info`` is sent, so doing it again after a crash
        or a lost answer sends nothing more; whether an update was sent."""
        mode = self.upstream.contacts
        if mode == "none":
            return False
        info = self._call(lambda c: c.domain_info(name))
        wanted = {("admin", handle), ("tech", handle)} if mode == "all" else set()
        held = set(info.contacts)
        add, rem = tuple(sorted(wanted - held)), tuple(sorted(held - wanted))
        registrant = handle if info.registrant != handle else None
        if registrant is None and not add and not rem:
            return False
        self._call(lambda c: c.domain_update(name, add=DomainChanges(contacts=add),
                                             rem=DomainChanges(contacts=rem),
                                             registrant=registrant))
        return True

    def poll(self, ctx: FlowContext) -> QueuedMessage | None:
        return None  # a remote registry's messages: registrar/upstream_poll.py

    def ack(self, ctx: FlowContext, message_id: int) -> None:
        raise registry_errors.CommandUseError("acknowledged by registrar/upstream_poll.py")

    # -- settling what was lost -------------------------------------------------------

    def settle(self, operation: str, name: str, sent_at: datetime,
               current_expiry: datetime | None = None, authinfo: str | None = None,
               lost: Command | None = None) -> Settled:
        """Whether ``operation`` on ``name``, sent at ``sent_at`` (or exactly ``lost``),
        happened, by queries only. Errors as the core's (the registry unreachable: try
        later)."""
        command = lost or _command(operation, name, sent_at, current_expiry, authinfo)
        found = self._call(lambda c: settle(c, command))
        evidence = found.evidence
        info = _info(evidence) if isinstance(evidence, EppDomainInfo) else None
        if found.applied and info is None and operation != "transfer":
            info = self._domain(name)
        return Settled(found.applied, found.detail, info)

    def close(self) -> None:
        self.link.close()


def _decided(code: int, operation: str, name: str) -> None:
    if code == ACTION_PENDING:
        raise ActionPending(f"the {operation} of {name} is pending at the registry")


def _command(operation: str, name: str, sent_at: datetime, current_expiry: datetime | None,
             authinfo: str | None) -> Command:
    """The transform as eppclient.settle() needs to know it: what, on which name, when."""
    verb = "transfer" if operation == "transfer" else operation
    params: dict = {"op": "request" if operation == "transfer" else None}
    if operation == "renew":
        params["current_expiry"] = current_expiry.date().isoformat() if current_expiry else ""
    if operation == "transfer":
        params["auth_info"] = authinfo
    if operation == "restore":
        params["rgp_op"] = "request"
    return Command(verb, "domain", name, b"", "", MappingProxyType(params), sent_at)


def _epp_postal(p: PostalInfo) -> EppPostal:
    return EppPostal(p.name, p.city, p.cc, tuple(p.street), p.org or None, p.sp or None,
                     p.pc or None, p.type)


def _epp_ds(d: DsData) -> EppDs:
    return EppDs(d.key_tag, d.algorithm, d.digest_type, d.digest)


def _info(i: EppDomainInfo) -> DomainInfo:
    return DomainInfo(
        name=i.name, roid=i.roid or "", statuses=tuple(i.statuses), registrant=i.registrant,
        contacts=tuple(i.contacts), nameservers=tuple(i.ns), subordinate_hosts=tuple(i.hosts),
        sponsor=i.sponsor or "", creator=i.created_by or "", created_at=i.created_at,
        updater=i.updated_by, updated_at=i.updated_at, expires_at=i.expires_at,
        transferred_at=i.transferred_at, has_authinfo=i.auth_info is not None,
        ds_data=tuple(DsData(d.key_tag, d.alg, d.digest_type, d.digest.upper()) for d in i.ds),
        max_sig_life=i.max_sig_life, rgp_statuses=tuple(i.rgp_statuses))


def _transfer(t) -> TransferData:
    return TransferData(t.name, t.status, t.requested_by, t.requested_at, t.action_by,
                        t.action_at, t.expires_at)
