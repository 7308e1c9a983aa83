"""The console's plumbing: every action checks the operator's role and second factor in its
own transaction; a change and its audit row (the object before and after) commit together,
so a refused change leaves nothing, not even its audit row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from registry import audit
from registry.db import ReadOnlyViolation
from registry.errors import BillingFailure, EppError, ObjectDoesNotExist
from registry.flows.context import FlowContext
from registry.service import Registry
from registry.values import Trid

from .. import operators
from ..errors import Conflict, NotFound, SiteError, from_registry
from ..views import Principal

T = TypeVar("T")
Snapshot = Callable[[FlowContext], dict | None]


class ConsoleBase:
    def __init__(self, registry: Registry, refundable: tuple[str, ...] = (),
                 tld_dns: Callable[[str], dict | None] = lambda _tld: None,
                 default_markup: int = 0) -> None:
        self.registry = registry
        # the site's markup on an upstream's prices when the upstream sets none
        self.default_markup = default_markup
        # a new TLD's DNS settings (the app shell's: zonegen's defaults, checked by zonegen),
        # or None, when it is not to be published yet; ValueError if they are wrong
        self.tld_dns = tld_dns
        # the payment providers that take refunds from here (the others' are made in
        # their own dashboards)
        self.refundable = refundable

    # -- plumbing ---------------------------------------------------------------------

    def _change(self, who: Principal, need: str, action: str, object_type: str,
                object_name: str, snap: Snapshot, work: Callable[[FlowContext, Any], T],
                reason: str = "") -> T:
        """``work`` and its audit row in one transaction, as the operator."""
        def in_tx(ctx: FlowContext) -> T:
            op = operators.acting(ctx, who.user_id, need)
            before = maybe(snap, ctx)
            result = work(ctx, op)
            ctx.session.flush()
            audit.record(ctx, action, object_type, object_name, before, maybe(snap, ctx),
                         operator_id=op.user_id, reason=reason)
            return result
        try:
            return self.registry.run(in_tx, operators.actor_for(who.user_id, who.email),
                                     action)
        except EppError as e:
            raise site_error(e) from None

    def _read(self, who: Principal, work: Callable[[FlowContext], T]) -> T:
        """``work`` on a read-only session once the operator is checked (in a transaction if
        it must write after all: a domain read settles its due lifecycle first)."""
        actor = operators.actor_for(who.user_id, who.email)

        def checked(ctx: FlowContext) -> T:
            operators.acting(ctx, who.user_id, "readonly")
            return work(ctx)

        def on(session):
            return checked(FlowContext(session, self.registry.clock.now(), actor, Trid(),
                                       self.registry.settings, "console_read",
                                       self.registry.policy))
        try:
            try:
                return self.registry.read(on)
            except ReadOnlyViolation:
                return self.registry.run(checked, actor, "console_read")
        except EppError as e:
            raise site_error(e) from None

    def whoami(self, who: Principal) -> operators.Operator:
        return self._read(who, lambda ctx: operators.acting(ctx, who.user_id, "readonly"))



def maybe(snap: Snapshot, ctx: FlowContext) -> dict | None:
    """The object's JSON, or None while it does not exist."""
    try:
        return snap(ctx)
    except (ObjectDoesNotExist, NotFound):
        return None



def site_error(error: EppError) -> SiteError:
    """A registry refusal for an operator: money refused is a conflict with its reason."""
    if isinstance(error, BillingFailure):
        return Conflict(error.reason)
    return from_registry(error)

