"""The registry core as zonegen's desired state and outbox (zonegen.state protocols).

Names cross here: the core stores them without the trailing dot, zonegen uses absolute
names. Each read runs in its own short transaction, so a full sync of a large TLD never holds
the database (SQLite's single writer lock, in particular) for long.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

from sqlalchemy import delete, select

from registry import dns_view
from registry.db import Database
from registry.models import DnsChange
from zonegen.model import Delegation, DsRecord, ZoneDataError, ZoneSpec
from zonegen.state import OutboxEntry

log = logging.getLogger("pyrar.zonegen.core_state")


def _relative(name: str) -> str:
    return name.strip().rstrip(".").lower()


class CoreState:
    def __init__(self, db: Database) -> None:
        self.db = db

    def zone_spec(self, zone: str) -> ZoneSpec | None:
        name = _relative(zone)
        with self.db.transaction() as session:
            settings = dns_view.tld_dns_settings(session, name)
        if not settings or not settings.get("nameservers"):
            return None  # a TLD without name servers configured is not published yet
        try:
            return ZoneSpec.from_dict(name + ".", settings)
        except ZoneDataError as e:
            log.error("TLD %s: DNS settings unusable, not published: %s", name, e)
            return None

    def delegation(self, zone: str, owner: str) -> Delegation | None:
        with self.db.transaction() as session:
            data = dns_view.delegation(session, _relative(owner))
        return _convert(data) if data else None

    def delegations(self, zone: str) -> Iterator[Delegation]:
        name, after = _relative(zone), ""
        while after is not None:
            with self.db.transaction() as session:
                page = dns_view.delegations(session, name, after=after)
            for data in page.delegations:
                delegation = _convert(data)
                if delegation is not None:
                    yield delegation
            after = page.next_after

    def pending(self, limit: int) -> list[OutboxEntry]:
        with self.db.transaction() as session:
            rows = session.execute(select(DnsChange.id, DnsChange.zone, DnsChange.owner)
                                   .order_by(DnsChange.id).limit(limit)).all()
        return [OutboxEntry(i, zone + ".", owner + ".") for i, zone, owner in rows]

    def done(self, ids: Sequence[int]) -> None:
        if ids:
            with self.db.transaction() as session:
                session.execute(delete(DnsChange).where(DnsChange.id.in_(list(ids))))


def _convert(data: dns_view.DelegationData) -> Delegation | None:
    """The zone's model re-checks everything; bad data is reported and left out."""
    try:
        return Delegation(
            data.name + ".", tuple(h + "." for h in data.nameservers),
            tuple((h + ".", a) for h, a in data.glue),
            tuple(DsRecord(d.key_tag, d.algorithm, d.digest_type, d.digest) for d in data.ds))
    except ZoneDataError as e:
        log.error("delegation of %s not published: %s", data.name, e)
        return None
