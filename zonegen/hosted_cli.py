"""``pyrar zone hosted add|list|records|sign|unsign|status``: hosted client zones for operators.

The same calls the site makes (``HostedZones``, ``HostedSigning``); the DNSSEC steps that
must wait (the DS after every server has the keys, the keys after every server dropped the
DS) are carried on by ``pyrar serve``'s scheduler, and ``status`` shows where each stands.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from registry.errors import EppError
from registry.hosted_records import RRset, RRsetError
from zonegen.api import PowerDnsApiError
from zonegen.config import PowerDnsSettings
from zonegen.connection import PowerDnsConnection
from zonegen.hosted import HostedZones
from zonegen.hosted_signing import FOREIGN_DS_TTL, HostedSigning
from zonegen.model import DnssecPolicy
from zonegen.names import BadName, normalize
from zonegen.pdnsdb import PdnsDbError
from zonegen.served import OurServers, parent_in
from zonegen.server import PowerDnsStartError
from zonegen.zones import parent_records, zone_keys


def register(zone_commands: Any) -> None:
    hosted = zone_commands.add_parser("hosted", help="hosted client zones: records, DNSSEC")
    sub = hosted.add_subparsers(dest="hosted_command", metavar="ACTION", required=True)

    p = sub.add_parser("add", help="create a hosted zone")
    p.add_argument("name")
    p.add_argument("--ns", action="append", metavar="HOST",
                   help="apex name server (repeatable; default [powerdns] hosted_nameservers)")
    p.add_argument("--record", action="append", default=[], metavar="'NAME TTL TYPE DATA'",
                   help="a record to start with, e.g. 'www 300 A 192.0.2.1' (repeatable)")
    p.set_defaults(run=_wrap(_add))

    p = sub.add_parser("list", help="hosted zones and their DNSSEC state")
    p.set_defaults(run=_wrap(_list))

    p = sub.add_parser("records", help="show a hosted zone's records; change them with "
                                       "--set and --delete (one validated, atomic change)")
    p.add_argument("name")
    p.add_argument("--set", action="append", default=[], metavar="'NAME TTL TYPE DATA'",
                   help="records replacing the RRset of NAME and TYPE (repeat for several "
                        "records of one RRset)")
    p.add_argument("--delete", action="append", default=[], metavar="NAME/TYPE",
                   help="remove an RRset, e.g. www/A")
    p.set_defaults(run=_wrap(_records))

    p = sub.add_parser("sign", help="sign the zone; its DS reaches the parent once every "
                                    "server answers the keys and the zone's TTLs have passed")
    p.add_argument("name")
    p.add_argument("--nsec3", action="store_true",
                   help="NSEC3 without opt-out (1 0 0 -) instead of NSEC")
    p.set_defaults(run=_wrap(_sign))

    p = sub.add_parser("unsign", help="take the DS out of the parent; the keys go once no "
                                      "server of the parent serves it and its TTL has passed")
    p.add_argument("name")
    p.add_argument("--ds-gone", action="store_true",
                   help="confirm that a parent which is not ours no longer serves the DS")
    p.set_defaults(run=_wrap(_unsign))

    p = sub.add_parser("status", help="keys, pending DNSSEC step, DS and keys at each server")
    p.add_argument("name")
    p.set_defaults(run=_wrap(_status))


class _Hosting:
    """The hosted-zone objects for one command."""

    def __init__(self, ctx: Any, conn: PowerDnsConnection) -> None:
        self.settings: PowerDnsSettings = conn.settings
        self.api = conn.api
        self.zones = HostedZones(conn.api, self.settings.catalog_zone or None,
                                 hold_down=self.settings.hosted_hold_down)
        self.servers = OurServers.from_settings(self.settings, parent_in(
            lambda z: conn.api.zone(z, rrsets=False) is not None))
        self.signing = (HostedSigning(self.zones, ctx.registry(),
                                      self.settings.hosted_nameservers, self.servers)
                        if self.settings.hosted_nameservers else None)

    def existing(self, name: str) -> str:
        zone = normalize(name)
        if self.api.zone(zone, rrsets=False) is None:
            raise RRsetError(f"no hosted zone {zone}")
        return zone


def _wrap(func: Callable[[_Hosting, argparse.Namespace], int]) -> Callable:
    def run(ctx: Any, args: argparse.Namespace) -> int:
        settings = ctx.config.section("powerdns", PowerDnsSettings)
        try:
            with PowerDnsConnection(settings, ctx.config.base_dir) as conn:
                return func(_Hosting(ctx, conn), args)
        except EppError as e:
            return _error(f"the registry refused: {e.reason or e}")
        except (RRsetError, PowerDnsApiError, PdnsDbError, PowerDnsStartError, BadName,
                OSError) as e:
            return _error(e)
    return run


def _error(e: Exception | str) -> int:
    print(f"pyrar: error: {' '.join(str(e).split())}", file=sys.stderr)
    return 1


def _rrsets(texts: list[str]) -> list[RRset]:
    """'NAME TTL TYPE DATA' lines, grouped into RRsets (the largest TTL of a group wins)."""
    groups: dict[tuple[str, str], tuple[int, list[str]]] = {}
    for text in texts:
        parts = text.split(None, 3)
        if len(parts) != 4 or not parts[1].isdigit():
            raise RRsetError(f"{text!r}: records are 'NAME TTL TYPE DATA'")
        name, ttl, rtype, data = parts
        key = (name, rtype.upper())
        old_ttl, contents = groups.get(key, (0, []))
        groups[key] = (max(old_ttl, int(ttl)), [*contents, data])
    return [RRset(n, t, ttl, tuple(c)) for (n, t), (ttl, c) in groups.items()]


def _add(h: _Hosting, args: argparse.Namespace) -> int:
    ns = args.ns or list(h.settings.hosted_nameservers)
    if not ns:
        raise RRsetError("no name servers: give --ns or set [powerdns] hosted_nameservers")
    zone = normalize(args.name)
    if h.api.zone(zone, rrsets=False) is not None:
        raise RRsetError(f"{zone} exists already")
    h.zones.create(zone, ns, rrsets=_rrsets(args.record))
    print(f"{zone}: created, served by {', '.join(normalize(n) for n in ns)}")
    return 0


def _list(h: _Hosting, args: argparse.Namespace) -> int:
    for z in sorted(h.api.zones(), key=lambda z: z["name"]):
        if z.get("kind") == "Producer" or _is_tld(h, z["name"]):    # the catalog, TLDs
            continue
        print(f"{z['name']} {'signed' if z.get('dnssec') else 'unsigned'} "
              f"serial {z.get('serial', '?')}")
    return 0


def _is_tld(h: _Hosting, zone: str) -> bool:
    """TLD zones are written by SQL: their API-RECTIFY is off (zonegen.zones.ensure_zone)."""
    return (h.api.zone(zone, rrsets=False) or {}).get("api_rectify") is False


def _records(h: _Hosting, args: argparse.Namespace) -> int:
    zone = h.existing(args.name)
    deletes = []
    for item in args.delete:
        name, sep, rtype = item.rpartition("/")
        if not sep or not name:
            raise RRsetError(f"{item!r}: --delete takes NAME/TYPE, e.g. www/A")
        deletes.append((name, rtype.upper()))
    if args.set or deletes:
        changed = h.zones.edit(zone, replace=_rrsets(args.set), delete=deletes)
        print(f"{zone}: {len(changed)} RRset(s) changed", file=sys.stderr)
    for r in h.zones.rrsets(zone):
        for content in r.contents:
            print(f"{r.name}\t{r.ttl}\tIN\t{r.type}\t{content}")
    return 0


def _sign(h: _Hosting, args: argparse.Namespace) -> int:
    zone = h.existing(args.name)
    policy = DnssecPolicy(nsec3param="1 0 0 -") if args.nsec3 else None
    if h.signing is not None:
        result = h.signing.sign(zone, policy)
        parent, outcome = result.parent, result.core
        print(f"{zone}: signed; DS in the registry: {outcome.outcome}"
              + (f" ({outcome.reason})" if outcome.reason else ""))
    else:
        parent = h.zones.sign(zone, policy)
    state = h.zones.sign_state(zone)
    if state is not None:
        print(f"{zone}: the DS may reach the parent once every server answers the keys, "
              f"then {state.hold} s later ('pyrar serve' carries it on; see 'status')")
    sys.stdout.write(parent.text())
    return 0


def _unsign(h: _Hosting, args: argparse.Namespace) -> int:
    zone = h.existing(args.name)
    if args.ds_gone:
        state = h.zones.confirm_ds_gone(zone)
    elif h.signing is not None:
        state = h.signing.unsign(zone)
    else:
        # without the registry the parent's DS TTL is not known: a day, as for a foreign one
        state = h.zones.begin_unsign(zone, FOREIGN_DS_TTL, lambda z: None)
    print(f"{zone}: unsigning, {_unsign_text(state)}")
    return 0


def _unsign_text(state: Any) -> str:
    if state.step == "requested":
        return ("waiting until no server of the parent serves the DS (a parent that is not "
                "ours is asked through [powerdns] outside_resolver; without one, confirm with "
                "'unsign --ds-gone')")
    return (f"DS gone since {_when(state.since)}; keys removed after "
            f"{_when(state.keys_removable_at)}")


def _when(t: float | None) -> str:
    return "never" if t is None else time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t))


def _status(h: _Hosting, args: argparse.Namespace) -> int:
    zone = h.existing(args.name)
    keys = zone_keys(h.api, zone)
    print(f"{zone}: {'signed' if any(k.active for k in keys) else 'unsigned'}")
    for k in keys:
        print(f"  key {k.id} {k.keytype} {k.algorithm} "
              f"{'active' if k.active else 'inactive'} "
              f"{'published' if k.published else 'unpublished'}")
    sign = h.zones.sign_state(zone)
    if sign is not None:
        step = ("waiting for every server to answer the keys" if sign.step == "keys-published"
                else f"keys on every server since {_when(sign.since)}; DS allowed after "
                     f"{_when(sign.ds_allowed_at)}")
        print(f"  signing: {step}")
    unsign = h.zones.unsign_state(zone)
    if unsign is not None:
        print(f"  unsigning: {_unsign_text(unsign)}")
    ds = parent_records(h.api, zone).ds
    print(f"  DS for the parent: {', '.join(ds) if ds else 'none'}")
    visible = h.servers.ds_visible(zone)
    print("  DS at the parent's servers: " + {True: "served", False: "not served",
                                               None: "parent not ours, no [powerdns] "
                                                     "outside_resolver to ask it"}[visible])
    for line in h.servers.answers(zone, "DNSKEY"):
        print(f"  {line}")
    return 0
