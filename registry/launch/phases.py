"""Which launch phase a TLD is in at an instant, from its dated phases."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from ..admin.tlds import get_tld
from ..errors import ParameterRangeError, ParameterSyntaxError
from ..flows.context import FlowContext
from ..models import PHASES, LaunchPhase

# When phases overlap, the first of these that is running decides what a create needs.
PRECEDENCE = ("sunrise", "landrush", "custom", "claims", "open")


def running_phases(phases: Iterable[LaunchPhase], now: datetime) -> list[LaunchPhase]:
    """Of a TLD's ``phases``, those running at ``now``, the one that decides creates first
    (see PRECEDENCE); empty: general availability without phases."""
    running = [p for p in phases
               if p.starts_at <= now and (p.ends_at is None or now < p.ends_at)]
    return sorted(running, key=lambda p: (PRECEDENCE.index(p.name), p.starts_at))


def set_phase(ctx: FlowContext, tld_name: str, name: str, starts_at: datetime,
              ends_at: datetime | None = None, custom_name: str = "",
              applications: bool = False) -> LaunchPhase:
    """Add or move a TLD's phase (one row per name and custom name); ``applications``: its
    creates file applications, allocated after it ends (registry/launch/applications.py)."""
    tld = get_tld(ctx, tld_name)
    if name not in PHASES:
        raise ParameterSyntaxError(f"phase must be one of {', '.join(PHASES)}, not {name!r}")
    if (name == "custom") != bool(custom_name):
        raise ParameterSyntaxError("a custom phase needs a name of its own, and only it")
    if ends_at is not None and ends_at <= starts_at:
        raise ParameterRangeError("a phase must end after it starts")
    if applications and (name in ("claims", "open") or ends_at is None):
        raise ParameterSyntaxError("applications are taken in a sunrise, landrush or custom "
                                   "phase with an end, after which they are allocated")
    row = ctx.session.scalars(select(LaunchPhase).where(
        LaunchPhase.tld_id == tld.id, LaunchPhase.name == name,
        LaunchPhase.custom_name == custom_name)).first()
    if row is None:
        row = LaunchPhase(tld_id=tld.id, name=name, custom_name=custom_name)
        ctx.session.add(row)
    row.starts_at, row.ends_at, row.applications = starts_at, ends_at, applications
    return row


def phases_of(ctx: FlowContext, tld_name: str) -> list[LaunchPhase]:
    tld = get_tld(ctx, tld_name)
    return list(ctx.session.scalars(select(LaunchPhase).where(
        LaunchPhase.tld_id == tld.id).order_by(LaunchPhase.starts_at)))
