"""What the registry holds about a domain, host or contact, read the operator's way, and time
passing until a domain in redemption is purged: what the reference-frame setup needs to put
an object back into a state a frame can act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from registry.lifecycle import settle
from registry.models import Contact, Domain, DomainHost, Host, Registrar
from registry.service import Registry
from registry.views import pending_transfer


@dataclass(frozen=True)
class ObjectState:
    sponsor: str
    state: str  # domains: active | redemption | pending_restore | pending_delete
    statuses: tuple[str, ...]
    pending_gaining: str | None  # the gaining registrar of a pending transfer
    subordinates: tuple[str, ...] = ()  # a domain's subordinate host names


class ObjectStates:
    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    def domain(self, name: str) -> ObjectState | None:
        def read(ctx):
            domain = ctx.session.scalars(select(Domain).where(Domain.name == name)).first()
            if domain is None:
                return None
            return ObjectState(_clid(ctx, domain.sponsor_id), domain.state,
                               tuple(domain.statuses), _gaining(ctx, "domain", domain.id),
                               tuple(h.name for h in domain.subordinate_hosts))
        return self._registry.run(read)

    def contact(self, handle: str) -> ObjectState | None:
        def read(ctx):
            contact = ctx.session.scalars(select(Contact).where(Contact.handle == handle)
                                          ).first()
            if contact is None:
                return None
            return ObjectState(_clid(ctx, contact.sponsor_id), "active",
                               tuple(contact.statuses), _gaining(ctx, "contact", contact.id))
        return self._registry.run(read)

    def host(self, name: str) -> ObjectState | None:
        def read(ctx):
            host = ctx.session.scalars(select(Host).where(Host.name == name)).first()
            if host is None:
                return None
            return ObjectState(_clid(ctx, host.sponsor_id), "active", tuple(host.statuses),
                               None)
        return self._registry.run(read)

    def linking(self, host: str) -> list[tuple[str, str]]:
        """(domain name, its sponsor) of every domain using ``host`` as a name server."""
        return [tuple(row) for row in self._registry.run(lambda ctx: ctx.session.execute(
            select(Domain.name, Registrar.clid)
            .join(DomainHost, DomainHost.domain_id == Domain.id)
            .join(Host, Host.id == DomainHost.host_id)
            .join(Registrar, Registrar.id == Domain.sponsor_id)
            .where(Host.name == host)).all())]

    def end_grace_periods(self, name: str) -> None:
        """The domain's grace periods have run out (a delete now goes to redemption)."""
        def work(ctx):
            domain = ctx.session.scalars(select(Domain).where(Domain.name == name)).one()
            domain.grace_periods.clear()
        self._registry.run(work)

    def purge(self, name: str) -> None:
        """Redemption and pendingDelete run out now; the domain is purged as it would be."""
        def work(ctx):
            for _ in range(4):  # pendingRestore, redemption, pendingDelete, purge
                domain = ctx.session.scalars(select(Domain).where(Domain.name == name)).first()
                if domain is None or domain.state == "active":
                    return
                domain.state_until = ctx.now - timedelta(seconds=1)
                settle(ctx, domain)
                ctx.session.flush()
        self._registry.run(work)


def _clid(ctx, registrar_id: int) -> str:
    return ctx.session.get(Registrar, registrar_id).clid


def _gaining(ctx, kind: str, object_id: int) -> str | None:
    transfer = pending_transfer(ctx.session, kind, object_id)
    return _clid(ctx, transfer.gaining_id) if transfer else None
