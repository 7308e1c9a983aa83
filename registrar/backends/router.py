"""The local registry and the upstreams as one backend: each name goes to the backend of
its TLD, so the site sells an upstream's TLDs exactly like its own (search, orders, name
servers, DS, locks, transfers, restore). Contacts and the local poll queue are the local
registry's; an upstream's messages are read by registrar/upstream_poll.py."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from registry.errors import EppError
from registry.flows.context import FlowContext
from registry.flows.poll_messages import QueuedMessage
from registry.values import Disclose, HostAddress, PostalInfo, TransferData
from registry.views import DomainInfo

from .base import Backend, DomainChange, Offer

log = logging.getLogger("pyrar.registrar.router")
Remotes = Callable[[FlowContext], dict[str, Backend]]  # TLD -> backend


class Router:
    transactional = True  # the local registry's; each name's backend says for itself

    def __init__(self, local: Backend, remotes: Remotes) -> None:
        self.local = local
        self.name = local.name
        self.currency = local.currency
        self._remotes = remotes

    def for_name(self, ctx: FlowContext, name: str) -> Backend:
        """The backend selling ``name``: the upstream of its longest matching TLD, else the
        local registry."""
        remotes = self._remotes(ctx)
        labels = name.lower().rstrip(".").split(".")
        for i in range(1, len(labels)):
            if (backend := remotes.get(".".join(labels[i:]))) is not None:
                return backend
        return self.local

    def tlds(self, ctx: FlowContext) -> tuple[str, ...]:
        return tuple(self.local.tlds(ctx)) + tuple(sorted(self._remotes(ctx)))

    def check(self, ctx: FlowContext, names: list[str]) -> list[Offer]:
        groups: dict[int, tuple[Backend, list[str]]] = {}
        for name in names:
            backend = self.for_name(ctx, name)
            groups.setdefault(id(backend), (backend, []))[1].append(name)
        found: dict[str, Offer] = {}
        for backend, group in groups.values():
            try:
                offers = backend.check(ctx, group)
            except EppError as e:
                if backend.transactional:
                    raise
                # an upstream away: its names shown unavailable, the others still answered
                offers = [Offer(n, False, e.reason, "standard", {}, backend.currency)
                          for n in group]
            for asked, offer in zip(group, offers, strict=True):
                found[asked] = offer
        return [found[n] for n in names]

    def create(self, ctx: FlowContext, name: str, years: int, authinfo: str, cost: int,
               registrant: str | None = None) -> datetime:
        return self.for_name(ctx, name).create(ctx, name, years, authinfo, cost, registrant)

    def renew(self, ctx: FlowContext, name: str, years: int, cost: int) -> datetime:
        return self.for_name(ctx, name).renew(ctx, name, years, cost)

    def restore(self, ctx: FlowContext, name: str, cost: int) -> None:
        self.for_name(ctx, name).restore(ctx, name, cost)

    def transfer_request(self, ctx: FlowContext, name: str, authinfo: str, years: int,
                         cost: int) -> TransferData:
        return self.for_name(ctx, name).transfer_request(ctx, name, authinfo, years, cost)

    def transfer_answer(self, ctx: FlowContext, name: str, approve: bool) -> TransferData:
        return self.for_name(ctx, name).transfer_answer(ctx, name, approve)

    def update(self, ctx: FlowContext, change: DomainChange) -> None:
        self.for_name(ctx, change.name).update(ctx, change)

    def delete(self, ctx: FlowContext, name: str) -> None:
        self.for_name(ctx, name).delete(ctx, name)

    def info(self, ctx: FlowContext, name: str) -> DomainInfo:
        return self.for_name(ctx, name).info(ctx, name)

    def create_host(self, ctx: FlowContext, name: str, addresses: tuple[HostAddress, ...]
                    ) -> None:
        self.for_name(ctx, name).create_host(ctx, name, addresses)

    def delete_host(self, ctx: FlowContext, name: str) -> None:
        self.for_name(ctx, name).delete_host(ctx, name)

    def create_contact(self, ctx: FlowContext, handle: str, postal: PostalInfo, email: str,
                       voice: str | None, disclose: Disclose) -> None:
        self.local.create_contact(ctx, handle, postal, email, voice, disclose)

    def update_contact(self, ctx: FlowContext, handle: str, postal: PostalInfo, email: str,
                       voice: str | None) -> None:
        """At the local registry, then at each upstream holding the contact (made there
        with the user's first name at it). An upstream away is logged: the contact is
        brought up to date there before the user's next name is created with it."""
        self.local.update_contact(ctx, handle, postal, email, voice)
        for remote in {id(b): b for b in self._remotes(ctx).values()}.values():
            try:
                remote.sync_contact(handle, postal, email, voice)
            except EppError as e:
                log.warning("contact %s not updated at %s: %s", handle, remote.name, e)

    def poll(self, ctx: FlowContext) -> QueuedMessage | None:
        return self.local.poll(ctx)

    def ack(self, ctx: FlowContext, message_id: int) -> None:
        self.local.ack(ctx, message_id)
