"""DNS hosting for the names users hold: their records, signed or not, on the registry's
hosting name servers.

The registrar keeps what the user wants (``SiteHostedZone``) and checks it with the core's
rules (``registry.hosted_records``) while the user is there to read a refusal; every change
writes one ``hosted.apply`` event holding the whole wanted state and its revision, and
zonegen makes PowerDNS match it (an older revision arriving late changes nothing). zonegen
reports back in the core (``registry.hosted_status``): which revision it applied and where
signing or unsigning stands, since both wait on every server and on TTLs (RFC 7583). The
DS of a signed zone reaches the TLD through the core once it is safe, without the user.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from registry.flows.context import FlowContext
from registry.hosted_records import (
    RRset,
    RRsetError,
    check_zone,
    normalize_rrset,
    zone_name,
)
from registry.hosted_status import HostedStatus, hosted_status

from . import domains
from .backends.base import Backend, DomainChange
from .errors import Conflict, InvalidInput, NotFound
from .hosted_zones import emit_state, forget, hosted_zone
from .models import SiteHostedZone
from .names import display, to_ascii_label

MAX_RRSETS = 500


@dataclass(frozen=True)
class HostedRecordView:
    name: str             # the owner name as stored and served: A-labels, absolute
    unicode_name: str     # as a person reads (and typed) it: U-labels
    type: str
    ttl: int
    contents: tuple[str, ...]


@dataclass(frozen=True)
class HostedZoneView:
    name: str
    unicode_name: str
    nameservers: tuple[str, ...]      # the hosting's, the zone's apex NS
    delegated: bool                   # the name's name servers are the hosting's
    records: tuple[HostedRecordView, ...]
    signed: bool                      # what the user asked for
    revision: int
    applied: bool                     # zonegen has applied this revision
    dnssec: str                       # unsigned, signing, signed, unsigning (as applied)
    step: str | None
    next_step_at: datetime | None
    error: str | None


def _hosting(nameservers: tuple[str, ...]) -> tuple[str, ...]:
    if not nameservers:
        raise NotFound("this site offers no DNS hosting (no hosting name servers are "
                          "configured: [powerdns] hosted_nameservers)")
    return tuple(n.rstrip(".").lower() for n in nameservers)


def _held_zone(ctx: FlowContext, user_id: int, name: object) -> SiteHostedZone:
    row = domains.held(ctx, user_id, name)
    zone = hosted_zone(ctx, row.name, lock=True)
    if zone is None:
        raise NotFound(f"{display(row.name)} has no DNS hosting: turn it on first")
    return zone


def enable(ctx: FlowContext, backend: Backend, user_id: int, name: object,
           nameservers: tuple[str, ...]) -> None:
    """Host the name's DNS: an empty zone on the hosting name servers, and the name
    delegated to them (its former name servers are replaced)."""
    hosting = _hosting(nameservers)
    row = domains.held(ctx, user_id, name, lock=True)
    if hosted_zone(ctx, row.name) is not None:
        raise Conflict(f"{display(row.name)} is hosted already")
    zone = SiteHostedZone(user_id=user_id, name=row.name, records=[], signed=False,
                          revision=1, created_at=ctx.now, updated_at=ctx.now)
    ctx.session.add(zone)
    ctx.session.flush()  # the unique name: a second request at once fails here
    domains.set_nameservers(ctx, backend, user_id, row.name, list(hosting))
    emit_state(ctx, zone, hosting)


def replace_records(ctx: FlowContext, user_id: int, name: object, records: object,
                    nameservers: tuple[str, ...]) -> None:
    """The zone's records become ``records`` (every RRset but the apex NS and DNSSEC's),
    checked as a whole: nothing changes unless all of it can be published."""
    hosting = _hosting(nameservers)
    zone = _held_zone(ctx, user_id, name)
    wanted = _parse_records(zone.name, records)
    zone.records = [{"name": r.name, "type": r.type, "ttl": r.ttl,
                     "contents": list(r.contents)} for r in wanted]
    _changed(ctx, zone, hosting)


def set_signed(ctx: FlowContext, user_id: int, name: object, signed: object,
               nameservers: tuple[str, ...]) -> None:
    """Sign or unsign; zonegen carries out each step once it is safe."""
    if not isinstance(signed, bool):
        raise InvalidInput("signed is true or false", field="signed")
    hosting = _hosting(nameservers)
    zone = _held_zone(ctx, user_id, name)
    if zone.signed != signed:
        zone.signed = signed
        _changed(ctx, zone, hosting)


def disable(ctx: FlowContext, backend: Backend, user_id: int, name: object,
            nameservers: tuple[str, ...]) -> None:
    """Stop hosting: only an unsigned zone (a DS left in the TLD would make the name
    fail validation); the hosting's name servers leave the name."""
    hosting = _hosting(nameservers)
    zone = _held_zone(ctx, user_id, name)
    status = hosted_status(ctx.session, zone.name)
    if zone.signed or (status is not None and status.dnssec != "unsigned"):
        raise Conflict(f"{display(zone.name)} is signed: unsign it and wait until the "
                       "zone is unsigned before turning hosting off")
    current = backend.info(ctx, zone.name).nameservers
    ours = tuple(n for n in current if n in hosting)
    if ours:
        backend.update(ctx, DomainChange(zone.name, rem_nameservers=ours))
    forget(ctx, zone.name)


def view(ctx: FlowContext, backend: Backend, user_id: int, name: object,
         nameservers: tuple[str, ...]) -> HostedZoneView:
    hosting = _hosting(nameservers)
    zone = _held_zone(ctx, user_id, name)
    status = hosted_status(ctx.session, zone.name) or HostedStatus(zone.name, 0, "unsigned")
    delegated = set(backend.info(ctx, zone.name).nameservers) == set(hosting)
    return HostedZoneView(
        zone.name, display(zone.name), hosting, delegated,
        tuple(HostedRecordView(r["name"], display(r["name"]), r["type"], r["ttl"],
                               tuple(r["contents"])) for r in zone.records),
        zone.signed, zone.revision, status.revision >= zone.revision, status.dnssec,
        status.step, status.next_step_at, status.error)


def _changed(ctx: FlowContext, zone: SiteHostedZone, hosting: tuple[str, ...]) -> None:
    zone.revision += 1
    zone.updated_at = ctx.now
    emit_state(ctx, zone, hosting)


def _parse_records(zone: str, records: object) -> list[RRset]:
    if not isinstance(records, list) or len(records) > MAX_RRSETS:
        raise InvalidInput(f"records is a list of at most {MAX_RRSETS} RRsets",
                           field="records")
    origin = zone_name(zone)
    out: dict[tuple[str, str], RRset] = {}
    for item in records:
        rrset = _rrset(item)
        try:
            r = normalize_rrset(origin, rrset)
        except RRsetError as e:
            raise InvalidInput(str(e), field="records") from None
        if r.name == origin and r.type == "NS":
            raise InvalidInput("the apex name servers are the hosting's and cannot be "
                               "changed", field="records")
        if r.key in out:
            raise InvalidInput(f"{r.name} {r.type} is given twice: put all its records in "
                               "one RRset", field="records")
        out[r.key] = r
    apex_ns = RRset(origin, "NS", 3600, ("hosting.invalid.",))  # stands for the hosting's
    try:
        check_zone(origin, [apex_ns, *out.values()])
    except RRsetError as e:
        raise InvalidInput(str(e), field="records") from None
    return sorted(out.values(), key=lambda r: r.key)


def _rrset(item: object) -> RRset:
    """{"name": "www", "type": "A", "ttl": 300, "contents": ["192.0.2.1"]}"""
    shape = 'each RRset is {"name", "type", "ttl", "contents": [...]}'
    if not isinstance(item, dict):
        raise InvalidInput(shape, field="records")
    name, rtype, ttl, contents = (item.get(k) for k in ("name", "type", "ttl", "contents"))
    if not isinstance(name, str) or not isinstance(rtype, str) or not name or not rtype:
        raise InvalidInput(shape, field="records")
    if not isinstance(ttl, int) or isinstance(ttl, bool):
        raise InvalidInput(f"{name} {rtype}: ttl is a number of seconds", field="records")
    if not isinstance(contents, list) or not all(isinstance(c, str) for c in contents) \
            or len(contents) > 100:
        raise InvalidInput(f"{name} {rtype}: contents is a list of up to 100 records as "
                           "text", field="records")
    return RRset(_ascii_owner(name), rtype, ttl, tuple(contents))


def _ascii_owner(name: str) -> str:
    """An owner name as typed (U-labels welcome: "shop", "bücher", "*", "_dmarc") with its
    labels as the A-labels the zone holds (IDNA2008, as names are bought)."""
    if name.isascii():
        return name
    refused = InvalidInput(f"{name[:80]!r} cannot be written as a DNS name", field="records")
    # no spaces or control characters: the emoji fallback of to_ascii_label would take them
    if any(c.isspace() or unicodedata.category(c)[0] == "C" for c in name):
        raise refused
    try:
        return ".".join(label if label.isascii() else to_ascii_label(label)
                        for label in name.split("."))
    except InvalidInput:
        raise refused from None
