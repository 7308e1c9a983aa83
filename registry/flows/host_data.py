"""Host rules shared by create and update: addresses and the superordinate domain."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, insert

from .. import outbox
from ..errors import (
    AuthorizationError,
    ObjectDoesNotExist,
    ParameterPolicyError,
    ParameterSyntaxError,
    StatusProhibitsOperation,
)
from ..models import Domain, Host, HostIp, Tld
from ..values import HostAddress
from .context import FlowContext
from .lookup import find_domain, find_tld

MAX_ADDRESSES = 13
THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")  # RFC 1122: a source, never a destination
BROADCAST = ipaddress.ip_address("255.255.255.255")


@dataclass(frozen=True)
class Placement:
    """Where a host name lies: under one of our domains (internal) or outside (external)."""

    tld: Tld | None
    domain: Domain | None

    @property
    def internal(self) -> bool:
        return self.tld is not None


def place_host(ctx: FlowContext, name: str) -> Placement:
    """Internal names need their domain to exist, be live and be the actor's own (RFC 5732)."""
    labels = name.split(".")
    tld = find_tld(ctx, labels[-1])
    if tld is None:
        return Placement(None, None)
    if len(labels) < 3:
        raise ParameterPolicyError(f"{name} is a domain name, not a host under one")
    domain_name = ".".join(labels[-2:])
    domain = find_domain(ctx, domain_name)
    if domain is None:
        raise ObjectDoesNotExist(f"superordinate domain {domain_name} does not exist",
                                 value=name)
    if not ctx.actor.may_act_on(domain.sponsor_id):
        raise AuthorizationError(
            f"superordinate domain {domain_name} is sponsored by another registrar", value=name)
    if domain.state != "active":
        raise StatusProhibitsOperation(f"superordinate domain {domain_name} is pending deletion")
    return Placement(tld, domain)


def placement_of(ctx: FlowContext, host: Host) -> Placement:
    """Where an existing host lies, from its stored superordinate domain."""
    if host.superordinate_id is None:
        return Placement(None, None)
    domain = ctx.session.get(Domain, host.superordinate_id)
    return Placement(find_tld(ctx, domain.name.rsplit(".", 1)[1]), domain)


def publish_glue(ctx: FlowContext, placement: Placement) -> None:
    """Glue is part of the superordinate domain's delegation (narrow glue): republish it."""
    if placement.domain is not None:
        outbox.publish(ctx, placement.tld.name, placement.domain.name)


def check_address(addr: HostAddress) -> str:
    """Canonical text of a glue address; refuses syntax errors, family mismatch, unroutables."""
    try:
        ip = ipaddress.ip_address(addr.address.strip())
    except ValueError:
        raise ParameterSyntaxError(f"{addr.address!r} is not an IP address",
                                   value=addr.address) from None
    if getattr(ip, "scope_id", None):  # "fe80::1%eth0" means something only on one host
        raise ParameterSyntaxError(f"{addr.address} has a zone index", value=addr.address)
    if f"v{ip.version}" != addr.version:
        raise ParameterSyntaxError(f"{addr.address} is not an IP{addr.version} address",
                                   value=addr.address)
    if (ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip.is_link_local
            or ip.is_reserved or ip in THIS_NETWORK or ip == BROADCAST):
        raise ParameterPolicyError(f"{ip} cannot be a name server address", value=addr.address)
    return ip.compressed


def set_addresses(ctx: FlowContext, host: Host, addresses: list[str]) -> None:
    """The host's addresses, and their index (``host_ips``) kept the same."""
    old, new = set(host.addresses or ()), set(addresses)
    host.addresses = addresses
    if old == new:
        return
    ctx.session.flush()  # a new host's id
    if old - new:
        ctx.session.execute(delete(HostIp).where(HostIp.host_id == host.id,
                                                 HostIp.address.in_(old - new)))
    if new - old:
        ctx.session.execute(insert(HostIp), [{"address": a, "host_id": host.id}
                                             for a in sorted(new - old)])


def check_addresses(placement: Placement, name: str, addresses: Iterable[str]) -> list[str]:
    addresses = list(dict.fromkeys(addresses))
    if addresses and not placement.internal:
        raise ParameterPolicyError(
            f"{name} is outside our TLDs: addresses (glue) are only for hosts under our "
            "domains", value=name)
    if len(addresses) > MAX_ADDRESSES:
        raise ParameterPolicyError(f"at most {MAX_ADDRESSES} addresses per host")
    return addresses
