"""host:info (RFC 5732 3.1.2): hosts are public to every registrar."""

from __future__ import annotations

from dataclasses import dataclass

from ..views import HostInfo
from ..views import host_info as host_view
from .context import FlowContext
from .lookup import get_host


@dataclass(frozen=True)
class HostInfoQuery:
    name: str


def host_info(ctx: FlowContext, cmd: HostInfoQuery) -> HostInfo:
    return host_view(ctx, get_host(ctx, cmd.name, lock=False))
