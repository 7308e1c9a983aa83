"""Hosted zones' status as zonegen reports it (``HostedZoneStatus``), for those who asked for
a change and cannot see PowerDNS: written and read in the caller's session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import HostedZoneStatus

DNSSEC_STATES = ("unsigned", "signing", "signed", "unsigning")


@dataclass(frozen=True)
class HostedStatus:
    zone: str
    revision: int
    dnssec: str
    step: str | None = None
    next_step_at: datetime | None = None
    error: str | None = None
    updated_at: datetime | None = None


def _key(zone: str) -> str:
    return zone.strip().rstrip(".").lower()


def record_status(session: Session, status: HostedStatus, now: datetime) -> None:
    if status.dnssec not in DNSSEC_STATES:
        raise ValueError(f"unknown DNSSEC state {status.dnssec!r}")
    row = session.get(HostedZoneStatus, _key(status.zone), with_for_update=True)
    if row is None:
        row = HostedZoneStatus(zone=_key(status.zone))
        session.add(row)
    row.revision, row.dnssec, row.step = status.revision, status.dnssec, status.step
    row.next_step_at, row.error, row.updated_at = status.next_step_at, status.error, now


def forget_status(session: Session, zone: str) -> None:
    row = session.get(HostedZoneStatus, _key(zone))
    if row is not None:
        session.delete(row)


def hosted_status(session: Session, zone: str) -> HostedStatus | None:
    row = session.get(HostedZoneStatus, _key(zone))
    if row is None:
        return None
    return HostedStatus(row.zone, row.revision, row.dnssec, row.step, row.next_step_at,
                        row.error, row.updated_at)


def zones_in_transition(session: Session) -> list[str]:
    """Zones whose signing or unsigning is under way: the scheduler reports their steps."""
    return list(session.scalars(select(HostedZoneStatus.zone).where(
        HostedZoneStatus.dnssec.in_(("signing", "unsigning")))))
