"""host:check (RFC 5732 3.1.1)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..errors import ParameterSyntaxError
from ..models import Host
from ..names import normalize_host_name
from .context import FlowContext


@dataclass(frozen=True)
class HostCheck:
    names: tuple[str, ...]


@dataclass(frozen=True)
class HostAvailability:
    name: str
    available: bool
    reason: str | None = None


@dataclass(frozen=True)
class HostCheckResult:
    names: tuple[HostAvailability, ...]
    code: int = 1000


def host_check(ctx: FlowContext, cmd: HostCheck) -> HostCheckResult:
    normalized: dict[str, str | ParameterSyntaxError] = {}
    for text in cmd.names:
        try:
            normalized[text] = normalize_host_name(text)
        except ParameterSyntaxError as e:
            normalized[text] = e
    wanted = [n for n in normalized.values() if isinstance(n, str)]
    taken = set(ctx.session.scalars(select(Host.name).where(Host.name.in_(wanted)))) \
        if wanted else set()
    return HostCheckResult(tuple(
        HostAvailability(text, False, n.reason) if isinstance(n, ParameterSyntaxError)
        else HostAvailability(text, n not in taken, "In use" if n in taken else None)
        for text, n in normalized.items()))
