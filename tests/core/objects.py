"""Making the contacts, hosts and domains that flow tests start from."""

from __future__ import annotations

from sqlalchemy import select

from registry.flows.contact_create import ContactCreate
from registry.flows.context import Actor
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_info import DomainInfoQuery
from registry.flows.host_create import HostCreate
from registry.models import Event
from registry.values import DsData, HostAddress, KeyDataValue, PostalInfo
from tests.core.world import STRONG, World

POSTAL = PostalInfo("int", "Jane Doe", "Dulles", "US", org="Example Inc.",
                    street=("123 Example Dr.",), sp="VA", pc="20166-6503")
EMAIL = "jdoe@example.com"
DIGEST_256 = "A" * 64
DS = DsData(12345, 13, 2, DIGEST_256)
# An Ed25519 public key (32 bytes) and an ECDSA P-256 one (64 bytes), base64.
ED25519_KEY = "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4="
P256_KEY = ("GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQL"
            "c8NAA==")
KEY = KeyDataValue(257, 3, 15, ED25519_KEY)


def make_contact(world: World, actor: Actor, handle: str, authinfo: str = STRONG,
                 **kwargs) -> str:
    world.run(ContactCreate(handle, (POSTAL,), EMAIL, authinfo=authinfo, **kwargs), actor)
    return handle


def make_domain(world: World, actor: Actor, name: str, **kwargs) -> str:
    kwargs.setdefault("authinfo", STRONG)
    world.run(DomainCreate(name, **kwargs), actor)
    return name


def make_host(world: World, actor: Actor, name: str, *addresses: str) -> str:
    world.run(HostCreate(name, tuple(
        HostAddress(a, "v6" if ":" in a else "v4") for a in addresses)), actor)
    return name


def domain_info(world: World, name: str, **kwargs):
    """Info as an operator sees it (no authInfo needed)."""
    return world.run(DomainInfoQuery(name, **kwargs), Actor.operator("test")).result


def outbox(world: World) -> list[tuple[str, str]]:
    """(zone, owner) of every DNS change (events for the consumer "dns") written so far,
    oldest first."""
    return world.task(lambda ctx: [(p["zone"], p["owner"]) for p in ctx.session.scalars(
        select(Event.payload).where(Event.consumer == "dns").order_by(Event.id))])
