"""Loading the objects a flow works on, settled to now, with the checks every flow repeats."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select

from .. import batch_reads, lifecycle
from ..errors import (
    AuthorizationError,
    ObjectDoesNotExist,
    ParameterPolicyError,
    ParameterSyntaxError,
    StatusProhibitsOperation,
)
from ..models import Contact, Domain, Host, Registrar, Tld
from ..names import DomainName, check_label, normalize_host_name, split_domain
from .context import FlowContext
from .variants import check_idn_label


def acting_registrar_id(ctx: FlowContext) -> int:
    """The id of the registrar running the command; operators cannot run registrar-only
    commands."""
    if not ctx.actor.is_registrar:
        raise AuthorizationError(f"{ctx.command or 'this command'} is for registrars only")
    return ctx.actor.registrar_id


def acting_registrar(ctx: FlowContext) -> Registrar:
    """The registrar running the command, loaded (see acting_registrar_id)."""
    return ctx.session.scalars(
        select(Registrar).where(Registrar.id == acting_registrar_id(ctx))).one()


def sponsor_of(ctx: FlowContext, obj: Domain | Host | Contact) -> Registrar:
    return ctx.session.get(Registrar, obj.sponsor_id)


def find_tld(ctx: FlowContext, name: str) -> Tld | None:
    """The TLD's row, read-only and detached (see policy_cache): link new rows by ``tld_id``."""
    return ctx.policy.tld(ctx.session, name)


def reserved_reason(ctx: FlowContext, tld: Tld, label: str) -> str | None:
    """Why ``label`` is reserved in ``tld``, or None."""
    return ctx.policy.reserved(ctx.session, tld.id, label)


def parse_domain_name(ctx: FlowContext, text: str) -> tuple[DomainName, Tld]:
    """Syntax and policy of a name to register; raises on a TLD we do not serve."""
    name = split_domain(text)
    tld = find_tld(ctx, name.tld)
    if tld is None:
        raise ParameterPolicyError(f"this registry does not serve .{name.tld}", value=text)
    check_label(name.label, idn_allowed=tld.idn_allowed, emoji_allowed=tld.emoji_allowed)
    check_idn_label(ctx, tld, name)
    return name, tld


def locking(stmt: Select) -> Select:
    """SELECT ... FOR UPDATE of domains alone. InnoDB locks every row a locking read joins:
    a join here (say, to the TLD) would serialize every change in a TLD and deadlock with
    creates, whose foreign keys read those rows. Domain has no eagerly joined relationship."""
    return stmt.with_for_update()


def find_domain(ctx: FlowContext, name: str, *, lock: bool = True) -> Domain | None:
    """The domain as it stands now (lifecycle settled), or None (also when just purged).

    A plain read may come from the rows a batch prefetched (see domain_info.prefetch),
    unless the domain is due: another command of the batch may have settled it since."""
    prefetched = ctx.prefetched.get("domain_rows", {})
    if not lock and name in prefetched:
        domain = prefetched[name]
        if domain is None or not is_due(ctx, domain):
            return domain
    stmt = select(Domain).where(Domain.name == name)
    domain = ctx.session.scalars(locking(stmt) if lock else stmt).first()
    if domain is None:
        return None
    if is_due(ctx, domain):
        if not lock:
            domain = ctx.session.scalars(locking(stmt).execution_options(
                populate_existing=True)).first()
            if domain is None:
                return None  # purged by another command since the plain read
        return lifecycle.settle(ctx, domain)
    return domain


def is_due(ctx: FlowContext, domain: Domain) -> bool:
    """Whether the domain's lifecycle has events to settle by now."""
    return domain.next_event_at is not None and domain.next_event_at <= ctx.now


def registered_names(ctx: FlowContext, names: list[str]) -> set[str]:
    """Which of ``names`` are registered now, from the name index alone (a check batch
    prefetches it): most checked and created names are free, and loading a row costs more."""
    due = ctx.prefetched.get("domains")
    if due is None:
        # The caller's queue state comes in the same round trip, for its answer
        # (Registry.execute); poll.enqueue drops it.
        ids = (ctx.actor.registrar_id,) if ctx.actor.is_registrar else ()
        reads = batch_reads.load(ctx.session.connection(), names, ids, ctx.now)
        due, ctx.prefetched["queues"] = reads.domains, reads.queues
    # A name whose lifecycle is due may be about to be purged: settle it to know.
    return {name for name in names if name in due and (
        not due[name] or find_domain(ctx, name) is not None)}


def stored_name(text: str) -> str | None:
    """The name a domain called ``text`` is stored under; None when it cannot be one."""
    try:
        return split_domain(text).name
    except (ParameterSyntaxError, ParameterPolicyError):
        return None


def get_domain(ctx: FlowContext, text: str, *, lock: bool = True) -> Domain:
    name = stored_name(text)
    domain = find_domain(ctx, name, lock=lock) if name else None
    if domain is None:
        raise ObjectDoesNotExist(f"domain {text} does not exist", value=text)
    return domain


def get_host(ctx: FlowContext, text: str, *, lock: bool = True) -> Host:
    try:
        name = normalize_host_name(text)
    except ParameterSyntaxError:
        name = None
    stmt = select(Host).where(Host.name == name)
    host = ctx.session.scalars(stmt.with_for_update() if lock else stmt).first() if name else None
    if host is None:
        raise ObjectDoesNotExist(f"host {text} does not exist", value=text)
    return host


def get_contact(ctx: FlowContext, handle: str, *, lock: bool = True) -> Contact:
    stmt = select(Contact).where(Contact.handle == handle)
    contact = ctx.session.scalars(stmt.with_for_update() if lock else stmt).first()
    if contact is None:
        raise ObjectDoesNotExist(f"contact {handle} does not exist", value=handle)
    return lifecycle.settle_contact(ctx, contact)


def require_sponsor(ctx: FlowContext, obj: Domain | Host | Contact, what: str) -> None:
    """Only the sponsoring registrar (or an operator) may change an object."""
    if not ctx.actor.may_act_on(obj.sponsor_id):
        raise AuthorizationError(f"{what} is sponsored by another registrar")


def refuse_statuses(statuses: Iterable[str], prohibited: Iterable[str], what: str,
                    action: str) -> None:
    found = sorted(set(statuses) & set(prohibited))
    if found:
        raise StatusProhibitsOperation(f"{what} has status {', '.join(found)}: cannot {action}")


def refuse_pending_delete(domain: Domain, what: str | None = None) -> None:
    if domain.state != "active":
        raise StatusProhibitsOperation(f"{what or f'domain {domain.name}'} is pending deletion")
