"""``pyrar zone sync|verify|export|ds``.

The desired state comes from the registry core: by default ``ctx.dns_state()`` on the CLI
context (a ``zonegen.state.DesiredState``); ``register(subparsers, desired=...)`` can supply
another source (tests, tools).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from zonegen import hosted_cli
from zonegen.api import PowerDnsApiError
from zonegen.catalog import ensure_catalog
from zonegen.config import PowerDnsSettings
from zonegen.connection import PowerDnsConnection
from zonegen.export import ExportError, export_zone
from zonegen.model import Delegation, ZoneDataError, ZoneSpec
from zonegen.names import BadName, ancestors_between, is_below, normalize
from zonegen.pdnsdb import PdnsDbError
from zonegen.server import PowerDnsStartError
from zonegen.state import DesiredState
from zonegen.sync import Difference, ZoneSync
from zonegen.verify import sample, verify_zone
from zonegen.zones import ensure_zone, parent_records

DesiredProvider = Callable[[Any, argparse.Namespace], DesiredState]


class ZoneCommandError(Exception):
    """A one-line error for the operator."""


def _core_state(ctx: Any, args: argparse.Namespace) -> DesiredState:
    provider = getattr(ctx, "dns_state", None)
    if provider is None:
        raise ZoneCommandError("the registry core provides no DNS state "
                               "(CliContext.dns_state) in this version")
    return provider()


def register(subparsers: Any, desired: DesiredProvider | None = None) -> None:
    zone = subparsers.add_parser("zone", help="publish TLD zones into PowerDNS")
    sub = zone.add_subparsers(dest="zone_command", metavar="ACTION", required=True)

    p = sub.add_parser("sync", help="reconcile the registry's data into PowerDNS, sending "
                                    "only the differences")
    p.add_argument("tld")
    p.add_argument("--full", action="store_true",
                   help="rewrite every record instead of the differences")
    p.add_argument("--dry-run", action="store_true", help="count differences, change nothing")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(run=_wrap(_sync, desired))

    p = sub.add_parser("verify", help="compare the whole zone in PowerDNS with the "
                                      "registry, then AXFR + dnssec-verify + "
                                      "ldns-verify-zone + delv + live checks; exit status 1 "
                                      "naming each difference or fault")
    p.add_argument("tld")
    p.add_argument("--repair", action="store_true",
                   help="write what differs from the registry into PowerDNS, then check")
    p.add_argument("--sample", type=int, default=25, metavar="N",
                   help="delegations also checked live, through DNS (default 25)")
    p.add_argument("--workdir", metavar="DIR", help="keep the transferred zone here")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(run=_wrap(_verify, desired))

    p = sub.add_parser("export", help="write the zone file (signed, as served)")
    p.add_argument("tld")
    p.add_argument("-o", "--output", metavar="FILE", help="default: standard output")
    p.add_argument("--unsigned", action="store_true", help="the stored records, no DNSSEC")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(run=_wrap(_export, desired, needs_state=False))

    p = sub.add_parser("serve", help="run the publisher: managed PowerDNS (if so configured), "
                                     "outbox drainer, catalog, hosted-zone scheduler")
    p.set_defaults(run=_serve)

    p = sub.add_parser("config", help="set a TLD's apex name servers and DNSSEC policy")
    p.add_argument("tld")
    p.add_argument("--ns", action="append", required=True, metavar="HOST[=ADDR,...]",
                   help="apex name server, with addresses when it lies inside the TLD")
    p.add_argument("--dnssec", choices=("nsec3", "nsec", "off"), default="nsec3",
                   help="default nsec3 (opt-out, RFC 9276 parameters 1 1 0 -)")
    p.add_argument("--algorithm", default="ECDSAP256SHA256")
    p.add_argument("--keys", choices=("ksk+zsk", "csk"), default="ksk+zsk")
    p.add_argument("--hostmaster", default="", metavar="NAME")
    p.set_defaults(run=_config)

    hosted_cli.register(sub)

    p = sub.add_parser("cds-scan", help="what the delegations' CDS/CDNSKEY ask for "
                                        "(RFC 7344/8078; unsigned ones by RFC 9615 signals), "
                                        "checked; --apply makes the DS changes through the "
                                        "registry")
    p.add_argument("tld")
    p.add_argument("--apply", action="store_true",
                   help="apply the valid requests now (no hold-down: the operator decides)")
    p.set_defaults(run=_cds_scan)

    p = sub.add_parser("ds", help="print the DS and DNSKEY records for the parent zone")
    p.add_argument("tld")
    p.add_argument("--digest", type=int, action="append", choices=(2, 4),
                   help="DS digest type (default 2, SHA-256); repeatable")
    p.set_defaults(run=_wrap(_ds, desired, needs_state=False))


def _wrap(func: Callable, desired: DesiredProvider | None, needs_state: bool = True
          ) -> Callable:
    def run(ctx: Any, args: argparse.Namespace) -> int:
        settings = ctx.config.section("powerdns", PowerDnsSettings)
        try:
            normalize(args.tld)
            # the registry first: no PowerDNS is started for a command that cannot run
            state = (desired or _core_state)(ctx, args) if needs_state else None
            with PowerDnsConnection(settings, ctx.config.base_dir) as conn:
                return func(conn, state, args)
        except (ZoneCommandError, PdnsDbError, PowerDnsApiError, ExportError, BadName,
                OSError) as e:
            return _error(e)
    return run


def _error(e: Exception | str) -> int:
    """One line, whatever the message held (dig and PowerDNS write several)."""
    print(f"pyrar: error: {' '.join(str(e).split())}", file=sys.stderr)
    return 1


def _served_zone(conn: PowerDnsConnection, tld: str) -> str:
    zone = normalize(tld)
    if conn.api.zone(zone, rrsets=False) is None:
        raise ZoneCommandError(f"{zone} does not exist in PowerDNS")
    return zone


def dns_settings(tld: str, ns: list[str], dnssec: str = "nsec3",
                 algorithm: str = "ECDSAP256SHA256", keys: str = "ksk+zsk",
                 hostmaster: str = "") -> dict:
    """The ``Tld.dns`` settings from ``--ns host=addr,addr`` style values, validated."""
    nameservers, addresses = [], {}
    for item in ns:
        host, _, addrs = item.partition("=")
        nameservers.append(host.strip())
        if addrs:
            addresses[host.strip()] = [a.strip() for a in addrs.split(",") if a.strip()]
    settings: dict = {"nameservers": nameservers, "ns_addresses": addresses,
                      "dnssec": {"enabled": dnssec != "off", "algorithm": algorithm,
                                 "keys": keys, "denial": "nsec" if dnssec == "nsec" else "nsec3"}}
    if hostmaster:
        settings["hostmaster"] = hostmaster
    try:
        ZoneSpec.from_dict(normalize(tld), settings)
    except (ZoneDataError, BadName, TypeError) as e:
        raise ZoneCommandError(str(e)) from None
    return settings


def _serve(ctx: Any, args: argparse.Namespace) -> int:
    from registry.events.store import RegistryEvents
    from registry.leases import ZONE_PUBLICATION, Leadership, LeaseLost
    from zonegen.lease_fence import lease_fence
    from zonegen.service import ZonegenService
    from zonegen.state import CONSUMER

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s zonegen %(levelname)s %(name)s: %(message)s")
    settings = ctx.config.section("powerdns", PowerDnsSettings)
    state = ctx.dns_state()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    # zone publication runs once per cluster: on the node holding its lease, every write to
    # the registry fenced by it (registry.leases)
    leader = Leadership.from_config(ctx.registry(), ctx.config, ZONE_PUBLICATION,
                                    on_lost=stop.set)
    registry = leader.acquire(stop, standing_by=lambda _state: ctx.ready())
    if registry is None:
        return 0
    # woken by the commits of other processes (eppd, the CLI) and of this one
    doorbell = registry.wakeup.doorbell(CONSUMER)
    service = ZonegenService(settings, ctx.config.base_dir, state, RegistryEvents(registry),
                             registry=registry, doorbell=doorbell,
                             schedule_interval=settings.schedule_interval,
                             retry=registry.retry_policy, on_fatal=stop.set)
    try:
        try:
            # PowerDNS's rows too, when its database is on the registry's server
            service.conn.fence = lease_fence(settings, leader, registry.db.schema)
            service.start()
        except (PowerDnsStartError, PowerDnsApiError, PdnsDbError, OSError) as e:
            service.stop()
            print(f"pyrar: error: PowerDNS: {e}", file=sys.stderr)
            return 1
        try:
            _publish_missing_zones(ctx, service, state, stop)
            ctx.ready()  # PowerDNS answers (service.start waited for it); the drainer runs
            stop.wait()
        finally:
            service.stop()
    finally:
        registry.wakeup.forget(CONSUMER, doorbell.ring)
        doorbell.close()
        leader.release()
    if leader.lost.is_set():
        print(f"pyrar: error: zonegen stopped: {LeaseLost(ZONE_PUBLICATION)}", file=sys.stderr)
        return 1
    if service.failure is not None:
        print(f"pyrar: error: zonegen stopped: {service.failure}", file=sys.stderr)
        return 1
    return 0


def _publish_missing_zones(ctx: Any, service: Any, state: DesiredState,
                           stop: threading.Event) -> None:
    """A configured TLD that PowerDNS does not have yet gets created and fully synced. Asked
    until PowerDNS answers (it may have died right after it started: the service's watcher
    starts it again), or until ``stop``."""
    from sqlalchemy import select

    from registry import outbox
    from registry.models import Tld
    from registry.outage import Outage

    names = ctx.task(lambda c: list(c.session.scalars(select(Tld.name))))
    outage = Outage(logging.getLogger("pyrar.zonegen.cli"), "zone serve: listing PowerDNS's "
                    "zones", first=0.1, most=5.0)
    while not stop.is_set():
        try:
            missing = [n for n in names if state.zone_spec(n) is not None
                       and service.conn.api.zone(normalize(n), rrsets=False) is None]
            break
        except PowerDnsApiError as e:
            stop.wait(outage.failed(e))
    else:
        return
    outage.recovered()
    if missing:
        # the registry wakes the drainer once this commits
        ctx.task(lambda c: [outbox.publish(c, n, n) for n in missing], "zone_publish_missing")


def _config(ctx: Any, args: argparse.Namespace) -> int:
    from registry.admin.tlds import set_dns_settings

    try:
        settings = dns_settings(args.tld, args.ns, args.dnssec, args.algorithm, args.keys,
                                args.hostmaster)
    except ZoneCommandError as e:
        return _error(e)

    def work(c: Any) -> None:
        _refuse_hidden_name_servers(c, args.tld, settings["nameservers"])
        set_dns_settings(c, args.tld, settings)
    try:
        ctx.task(work, "tld_dns")
    except ZoneCommandError as e:
        return _error(e)
    print(f"{args.tld}: DNS settings stored; zonegen publishes the zone on its next round")
    return 0


def _refuse_hidden_name_servers(c: Any, tld: str, nameservers: list[str]) -> None:
    """A name server inside a registered domain would sit below that domain's delegation:
    the TLD could not serve its addresses, nor that delegation."""
    from sqlalchemy import select

    from registry.models import Domain

    zone = normalize(tld)
    for host in map(normalize, nameservers):
        if not is_below(host, zone):
            continue
        names = [n.rstrip(".") for n in (host, *ancestors_between(host, zone))]
        taken = c.session.scalar(select(Domain.name).where(Domain.name.in_(names)).limit(1))
        if taken is not None:
            raise ZoneCommandError(f"name server {host.rstrip('.')} is inside the registered "
                                   f"domain {taken}: choose a name outside registered domains")


def _cds_scan(ctx: Any, args: argparse.Namespace) -> int:
    from zonegen.cds_run import CdsRun

    settings = ctx.config.section("powerdns", PowerDnsSettings)
    try:
        state = ctx.dns_state()
        spec = _spec(state, args.tld)
        run = CdsRun(settings, state, ctx.registry())
        if args.apply:
            run.scanner.hold_down = 0
        report = run.scan(spec.name, apply=args.apply)
    except (ZoneCommandError, BadName) as e:
        return _error(e)
    for change in report.changes:
        ds = ", ".join(f"{d.key_tag} {d.algorithm} {d.digest_type}" for d in change.ds)
        print(f"{change.domain}: {change.outcome}: DS {ds or 'deleted'}")
    for refusal in report.refusals:
        print(f"{refusal.domain.rstrip('.')}: refused: {refusal.reason}")
    print(f"{spec.name}: {len(report.changes)} request(s), {len(report.refusals)} refused")
    return 0


def _spec(state: DesiredState, tld: str) -> ZoneSpec:
    spec = state.zone_spec(normalize(tld))
    if spec is None:
        raise ZoneCommandError(
            f"{tld} is not a TLD published by this registry: no such TLD, or it has no DNS "
            f"settings (give them with 'pyrar zone config {tld} --ns HOST')")
    return spec


def _progress(out: TextIO, quiet: bool) -> Callable[[str, int, int | None], None]:
    tty = out.isatty()

    def show(stage: str, done: int, total: int | None) -> None:
        if quiet:
            return
        text = f"{stage}: {done}" + (f"/{total}" if total is not None else "")
        if tty:
            out.write("\r" + text.ljust(40))
            if total is not None and done >= total:
                out.write("\n")
        elif total is not None and done >= total:
            out.write(text + "\n")
        out.flush()
    return show


def _sync(conn: PowerDnsConnection, desired: DesiredState, args: argparse.Namespace) -> int:
    spec = _spec(desired, args.tld)
    catalog = conn.settings.catalog_zone or None
    if catalog:
        ensure_catalog(conn.api, catalog)
    if not args.dry_run:
        ensure_zone(conn.api, spec, catalog)
    elif conn.db.domain(spec.name) is None:
        raise ZoneCommandError(f"{spec.name} does not exist in PowerDNS yet")
    errors: list[str] = []
    result = ZoneSync(conn.db, conn.api.flush_cache).sync(
        spec, desired.delegations(spec.name), progress=_progress(sys.stderr, args.quiet),
        dry_run=args.dry_run, rewrite=args.full,
        on_error=lambda d, msg: errors.append(f"{d.name}: {msg}"))
    for e in errors:
        print(f"not published: {e}", file=sys.stderr)
    verb = "would change" if args.dry_run else "changed"
    print(f"{spec.name}: {result.delegations} delegations, {result.desired_rows} records; "
          f"{verb} +{result.inserted} -{result.deleted}"
          + (f", serial {result.serial}" if result.serial else "")
          + f" ({result.seconds:.1f}s)")
    return 1 if errors else 0


def _verify(conn: PowerDnsConnection, desired: DesiredState, args: argparse.Namespace) -> int:
    """Every row of the zone against the registry (streamed through ZoneSync's comparison,
    so memory stays flat at a million delegations), then the DNS-level checks."""
    started = time.monotonic()
    spec = _spec(desired, args.tld)
    progress = _progress(sys.stderr, args.quiet)
    if conn.db.domain(spec.name) is None:
        if not args.repair:
            print(f"{spec.name}: FAULT not in PowerDNS: zonegen has not published it yet "
                  "(is 'pyrar serve' running? --repair publishes it now)")
            return 1
        catalog = conn.settings.catalog_zone or None
        if catalog:
            ensure_catalog(conn.api, catalog)
        ensure_zone(conn.api, spec, catalog)
        print(f"{spec.name}: created in PowerDNS")
    compared = _compare_with_registry(conn, desired, spec, args.repair, progress)
    info = conn.db.domain(spec.name)
    assert info is not None
    picked = sample(desired.delegations(spec.name), args.sample)
    ksk = parent_records(conn.api, spec.name).dnskey if info.denial.secured else ()
    server, port = conn.dns_address
    with tempfile.TemporaryDirectory(prefix="pyrar-verify-") as tmp:
        workdir = Path(args.workdir) if args.workdir else Path(tmp)
        report = verify_zone(spec.name, server=server, port=port, denial=info.denial,
                             workdir=workdir, samples=picked, ksk_dnskeys=ksk,
                             progress=progress)
    report.faults[:0] = compared.faults
    report.passed.insert(0, compared.summary)
    print(report.text())
    print(f"{spec.name}: {compared.delegations} delegations compared, "
          f"{compared.differences} difference(s) with the registry"
          + (f" repaired (+{compared.repaired[0]} -{compared.repaired[1]})"
             if compared.repaired else "")
          + f", {report.records} records checked: {'OK' if report.ok else 'FAULT'} "
          f"({time.monotonic() - started:.1f}s)")
    return 0 if report.ok else 1


@dataclass
class _Comparison:
    delegations: int = 0
    differences: int = 0
    faults: list[str] = field(default_factory=list)
    repaired: tuple[int, int] | None = None

    @property
    def summary(self) -> str:
        return (f"registry: {self.delegations} delegations, PowerDNS's rows "
                + ("repaired" if self.repaired else "identical"))


def _compare_with_registry(conn: PowerDnsConnection, desired: DesiredState, spec: ZoneSpec,
                           repair: bool, progress: Callable) -> _Comparison:
    """Each difference is printed as found (a damaged zone may have many) and counted; the
    report keeps only the unpublishable delegations."""
    out = _Comparison()
    duplicates = False

    def found(d: Difference) -> None:
        nonlocal duplicates
        out.differences += 1
        duplicates = duplicates or d.kind == "duplicate"
        print(f"  FAULT {d.text()}")

    def unpublishable(d: Delegation, msg: str) -> None:
        out.faults.append(f"not publishable: {d.name}: {msg}")

    sync = ZoneSync(conn.db, conn.api.flush_cache)
    result = sync.sync(spec, desired.delegations(spec.name), progress=progress, dry_run=True,
                       on_error=unpublishable, differences=found)
    out.delegations = result.delegations
    if not out.differences:
        return out
    if not repair:
        out.faults.append(f"{out.differences} difference(s) with the registry (listed above; "
                          "--repair writes the registry's version)")
        return out
    fixed = sync.sync(spec, desired.delegations(spec.name), progress=progress,
                      rewrite=duplicates, on_error=lambda d, m: None)
    out.repaired = (fixed.inserted, fixed.deleted)
    return out


def _export(conn: PowerDnsConnection, _state: None, args: argparse.Namespace) -> int:
    started = time.monotonic()
    tld = _served_zone(conn, args.tld)
    server, port = conn.dns_address
    with tempfile.TemporaryDirectory(prefix="pyrar-export-") as tmp:
        path = Path(args.output) if args.output else Path(tmp) / "zone"
        count = export_zone(tld, path, signed=not args.unsigned, api=conn.api, server=server,
                            port=port, progress=_progress(sys.stderr, args.quiet))
        if not args.output:
            with open(path) as f:
                shutil.copyfileobj(f, sys.stdout)
    where = path if args.output else "standard output"
    print(f"{tld}: {count} records written to {where} ({time.monotonic() - started:.1f}s)",
          file=sys.stderr)
    return 0


def _ds(conn: PowerDnsConnection, _state: None, args: argparse.Namespace) -> int:
    records = parent_records(conn.api, _served_zone(conn, args.tld),
                             tuple(args.digest or (2,)))
    if not records.ds:
        raise ZoneCommandError(f"{records.zone} has no active key-signing key")
    sys.stdout.write(records.text())
    return 0
