"""The core suite's world: a registry on a migrated database with a fixed clock, and helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from registry.admin.registrars import add_registrar
from registry.admin.tlds import add_tld, set_price
from registry.billing import credit
from registry.clock import FixedClock
from registry.config import RegistrySettings
from registry.errors import EppError
from registry.flows.context import Actor
from registry.models import Registrar
from registry.service import Registry
from registry.values import Response

START = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
PRICES = {"create": 1000, "renew": 1000, "transfer": 800, "restore": 5000}
STRONG = "Str0ng-Auth-Info-0123456789"  # enough entropy for RFC 9154
# The registry as the tests run it in-process: registrar passwords hashed at a low scrypt
# cost. The production cost (70 ms of CPU a hash, two registrars a test) was a quarter of the
# core tests' CPU time; the servers the suite starts from a sandbox hash at the production
# cost, and test_passwords.py checks both verify alike.
SETTINGS = RegistrySettings(password_hash_cost=2**10)


@dataclass
class World:
    registry: Registry
    clock: FixedClock

    def task(self, work, actor: Actor | None = None):
        return self.registry.run(work, actor or Actor.operator("test"))

    def add_tld(self, name: str = "example", prices: dict | None = None, **policy):
        def work(ctx):
            add_tld(ctx, name, **policy)
            for op, amount in (prices or PRICES).items():
                set_price(ctx, name, op, "USD", amount)
        self.task(work)

    def add_registrar(self, clid: str, balance: int = 100_000, credit_limit: int = 0,
                      **kwargs) -> Actor:
        def work(ctx):
            r = add_registrar(ctx, clid, password="secret-pw-1", credit_limit=credit_limit,
                              fingerprints=(f"{len(clid):064x}",), **kwargs)
            r.balance = 0
            if balance:
                credit(ctx, r.id, balance, "payment", None, "test funds")
            return Actor.registrar(r.id, clid)
        return self.task(work)

    def run(self, command, actor: Actor) -> Response:
        return self.registry.execute(command, actor)

    def fails(self, code: int, command, actor: Actor) -> EppError:
        with pytest.raises(EppError) as info:
            self.registry.execute(command, actor)
        assert info.value.code == code, f"{info.value.code} {info.value.reason}"
        return info.value

    def registrar(self, actor: Actor) -> Registrar:
        return self.task(lambda ctx: ctx.session.get(Registrar, actor.registrar_id))
