"""What every flow receives: the transaction, the instant, who is acting and the transaction ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from ..config import RegistrySettings
from ..models import Domain, Tld
from ..policy_cache import PolicyCache
from ..values import Trid


@dataclass(frozen=True)
class Actor:
    """Who runs a command: a registrar (EPP or web), an operator (CLI) or the system (scheduler)."""

    name: str  # a clid, "operator:<login>" or "system"
    registrar_id: int | None = None

    @classmethod
    def registrar(cls, registrar_id: int, clid: str) -> Actor:
        return cls(clid, registrar_id)

    @classmethod
    def operator(cls, login: str = "cli") -> Actor:
        return cls(f"operator:{login}")

    @classmethod
    def system(cls) -> Actor:
        return cls("system")

    @property
    def is_registrar(self) -> bool:
        return self.registrar_id is not None

    @property
    def is_privileged(self) -> bool:
        """Operators and the system may set server statuses and act on any object."""
        return self.registrar_id is None


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

    def tld_of(self, domain: Domain) -> Tld:
        """A domain's TLD policy, from the policy cache (read-only; link rows by tld_id)."""
        return self.policy.tld_by_id(self.session, domain.tld_id)
