"""What every flow receives: the transaction, the instant, who is acting and the transaction ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from ..config import RegistrySettings
from ..models import Domain, Tld
from ..policy_cache import PolicyCache
from ..values import Trid


class ActorKind(StrEnum):
    """Who may be behind a command; each kind says what it may do, none is implied."""

    REGISTRAR = "registrar"  # a logged-in registrar (EPP, web): its own objects, client statuses
    OPERATOR = "operator"  # the registry's staff (CLI): anything, server statuses too
    SYSTEM = "system"  # the registry itself (scheduler, lifecycle, zonegen): as operators
    USER = "user"  # a registrant using a registrar's site: no registry command of its own
    CLIENT = "client"  # a client not logged in yet, claiming a clid: it may only log in


@dataclass(frozen=True)
class Actor:
    """Who runs a command. Built with the factories below; the kind is always said.

    Rights follow from the kind alone: nothing (a missing id, say) makes an actor privileged.
    """

    kind: ActorKind
    name: str  # a clid, "operator:<login>", "system", "user:<id>" or the clid a client claims
    registrar_id: int | None = None  # for registrars only
    user_id: int | None = None  # for users only

    def __post_init__(self) -> None:
        kind = ActorKind(self.kind)  # refuses a kind that is not one
        object.__setattr__(self, "kind", kind)
        for field_name, owner in (("registrar_id", ActorKind.REGISTRAR),
                                  ("user_id", ActorKind.USER)):
            has = getattr(self, field_name) is not None
            if has != (kind is owner):
                raise ValueError(f"a {kind} actor {'cannot have' if has else 'needs'} a "
                                 f"{field_name}")

    @classmethod
    def registrar(cls, registrar_id: int, clid: str) -> Actor:
        return cls(ActorKind.REGISTRAR, clid, registrar_id=registrar_id)

    @classmethod
    def operator(cls, login: str = "cli") -> Actor:
        return cls(ActorKind.OPERATOR, f"operator:{login}")

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM, "system")

    @classmethod
    def user(cls, user_id: int) -> Actor:
        return cls(ActorKind.USER, f"user:{user_id}", user_id=user_id)

    @classmethod
    def client(cls, clid: str) -> Actor:
        """A client before login: the clid is only what it claims."""
        return cls(ActorKind.CLIENT, clid)

    @property
    def is_registrar(self) -> bool:
        return self.kind is ActorKind.REGISTRAR and self.registrar_id is not None

    @property
    def is_privileged(self) -> bool:
        """Operators and the system may set server statuses and act on any object."""
        return self.kind in (ActorKind.OPERATOR, ActorKind.SYSTEM)

    def may_act_on(self, sponsor_id: int | None) -> bool:
        """Whether the actor may act on an object that ``sponsor_id`` sponsors: its sponsor
        may, and operators and the system may; nobody else."""
        return self.is_privileged or (self.is_registrar and sponsor_id == self.registrar_id)


@dataclass
class FlowContext:
    session: Session
    now: datetime
    actor: Actor
    trid: Trid
    settings: RegistrySettings
    command: str = ""  # the flow's name, recorded in history
    policy: PolicyCache = field(default_factory=PolicyCache)
    # What a batch of read-only commands loaded up front (see Registry.execute_batch):
    # "domains" (checked names -> due), "parsed_names", "domain_rows", "domain_parts"
    prefetched: dict = field(default_factory=dict)
    # The consumers this transaction wrote events for (registry.events.emit): the registry
    # wakes them once it has committed.
    wake: set[str] = field(default_factory=set)

    def tld_of(self, domain: Domain) -> Tld:
        """A domain's TLD policy, from the policy cache (read-only; link rows by tld_id)."""
        return self.policy.tld_by_id(self.session, domain.tld_id)
