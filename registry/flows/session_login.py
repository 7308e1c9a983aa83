"""login (RFC 5730 2.9.1.1): password, client certificate and source address, all must match."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy import select

from ..errors import AuthenticationError, AuthorizationError, ParameterPolicyError
from ..models import HistoryEntry, Registrar
from ..passwords import hash_password, verify_password
from .context import FlowContext

MIN_PASSWORD, MAX_PASSWORD = 6, 128  # pwType is 6-16; loginSec (RFC 8807) allows longer


@dataclass(frozen=True)
class Login:
    clid: str
    password: str
    new_password: str | None = None
    cert_fingerprint: str | None = None  # SHA-256 of the client certificate's DER, hex
    peer_ip: str | None = None


@dataclass(frozen=True)
class LoggedIn:
    """Who logged in, and what its commands need to know of it (read in the same
    transaction: a front end has no second one to run)."""

    registrar_id: int
    clid: str
    currency: str
    code: int = 1000


def login(ctx: FlowContext, cmd: Login) -> LoggedIn:
    """Every failure looks the same to the client; the reason goes to the server's log."""
    if ctx.actor.name != cmd.clid:  # a client logs in as what it claims, never another
        raise AuthorizationError(f"a client claiming {ctx.actor.name!r} cannot log in as "
                                 f"{cmd.clid!r}")
    registrar = ctx.session.scalars(select(Registrar).where(Registrar.clid == cmd.clid)).first()
    if registrar is None:
        raise AuthenticationError("authentication failed", value="unknown clID")
    if registrar.status != "ok":
        raise AuthenticationError("authentication failed", value="registrar suspended")
    if not verify_password(cmd.password, registrar.password_hash):
        raise AuthenticationError("authentication failed", value="wrong password")
    fingerprints = {registrar.cert_fingerprint, registrar.cert_fingerprint_failover} - {None}
    if (cmd.cert_fingerprint or "").lower() not in fingerprints:
        raise AuthenticationError("authentication failed",
                                  value="client certificate not registered to this clID")
    if registrar.allowed_networks and not _allowed(cmd.peer_ip, registrar.allowed_networks):
        raise AuthenticationError("authentication failed",
                                  value=f"address {cmd.peer_ip} not allowed")
    if cmd.new_password is not None:
        change_password(ctx, registrar, cmd.new_password)
    return LoggedIn(registrar.id, registrar.clid, registrar.currency)


def check_new_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ParameterPolicyError(
            f"passwords must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long")
    return password


def change_password(ctx: FlowContext, registrar: Registrar, password: str) -> None:
    registrar.password_hash = hash_password(check_new_password(password),
                                            ctx.settings.password_hash_cost)
    ctx.session.add(HistoryEntry(
        at=ctx.now, object_type="registrar", object_id=registrar.id,
        object_name=registrar.clid, command="password_change", actor=ctx.actor.name,
        registrar_id=registrar.id, cltrid=ctx.trid.cltrid, svtrid=ctx.trid.svtrid or None,
        snapshot={}))


def _allowed(peer_ip: str | None, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(peer_ip or "")
    except ValueError:  # no address, or one we cannot read: not in any network
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)
