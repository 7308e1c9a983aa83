"""Checks that must hold after any sequence of commands: money adds up, states are possible."""

from __future__ import annotations

from sqlalchemy import func, select

from registry.flows.context import FlowContext
from registry.lifecycle import next_event
from registry.models import STATES, Domain, Host, LedgerEntry, Registrar, Transfer
from registry.models.transfer import PENDING


def check_invariants(ctx: FlowContext) -> None:
    s = ctx.session
    for registrar in s.scalars(select(Registrar)):
        total = s.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.registrar_id == registrar.id))
        assert registrar.balance == total, f"{registrar.clid}: balance != ledger sum"
        last = s.scalars(select(LedgerEntry).where(LedgerEntry.registrar_id == registrar.id)
                         .order_by(LedgerEntry.id.desc())).first()
        assert last is None or last.balance_after == registrar.balance
    for domain in s.scalars(select(Domain)):
        assert domain.state in STATES
        if domain.state == "active":
            assert domain.state_until is None and domain.deleted_at is None, domain.name
        else:
            assert domain.state_until is not None and domain.deleted_at is not None
        assert domain.expires_at > domain.created_at, domain.name
        event = next_event(ctx, domain)
        assert domain.next_event_at == (event.when if event else None), domain.name
        for host in domain.subordinate_hosts:
            assert host.sponsor_id == domain.sponsor_id, host.name
        assert all(g.amount >= 0 and g.years >= 0 for g in domain.grace_periods)
    pending = s.execute(select(Transfer.object_type, Transfer.object_id, func.count()).where(
        Transfer.status == PENDING).group_by(Transfer.object_type, Transfer.object_id)).all()
    assert all(n == 1 for _, _, n in pending), "two pending transfers on one object"
    for t in s.scalars(select(Transfer).where(Transfer.status == PENDING)):
        assert t.gaining_id != t.losing_id
        if t.object_type == "domain":
            domain = s.get(Domain, t.object_id)
            assert domain is not None and domain.sponsor_id == t.losing_id
            assert domain.state == "active"
    for host in s.scalars(select(Host).where(Host.superordinate_id.is_not(None))):
        assert s.get(Domain, host.superordinate_id) is not None
        assert host.name.endswith("." + s.get(Domain, host.superordinate_id).name)
