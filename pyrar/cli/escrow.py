"""``pyrar escrow deposit|upload|report|verify|run``: registry data escrow (RFC 8909/9022)."""

from __future__ import annotations

import signal
import sys
import threading
from collections import Counter
from pathlib import Path

from lxml import etree

from escrow.config import EscrowSettings, IcannSettings
from escrow.deposit import EscrowError, last_watermark, make_deposit
from escrow.deposit_xml import NS, OBJECTS
from escrow.icann_reports import ReportingInterface, send_escrow_reports
from escrow.monthly_upload import send_monthly_reports
from escrow.openpgp import Gpg, OpenPgpError
from escrow.parts import siblings
from escrow.schedule import due
from escrow.upload import Destination, UploadError, upload
from escrow.verify import rde_schema, verify_files
from registry.leases import ESCROW, Leadership
from registry.models import Tld

from .arguments import seconds
from .context import CliError
from .leadership import singleton


def register(subparsers) -> None:
    escrow = subparsers.add_parser("escrow", help="registry data escrow deposits").add_subparsers(
        dest="escrow_command", metavar="ACTION", required=True)
    p = escrow.add_parser("deposit", help="make a deposit of a TLD")
    p.add_argument("tld")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--full", dest="kind", action="store_const", const="full",
                      help="every object (the default)")
    kind.add_argument("--diff", dest="kind", action="store_const", const="diff",
                      help="what changed since the TLD's previous deposit")
    p.add_argument("--out", metavar="DIR", help="default: [escrow] out_dir")
    p.set_defaults(run=run_deposit, kind="full")
    p = escrow.add_parser("upload", help="send the deposits not yet sent to the escrow agent "
                                         "([escrow] sftp_host)")
    p.add_argument("--out", metavar="DIR", help="the deposits' folder (default: [escrow] "
                                                "out_dir)")
    p.set_defaults(run=run_upload)
    p = escrow.add_parser("report", help="send ICANN the deposits' RDE reports not yet sent "
                                         "([icann] url)")
    p.add_argument("--out", metavar="DIR", help="the deposits' folder (default: [escrow] "
                                                "out_dir)")
    p.set_defaults(run=run_report)
    p = escrow.add_parser("verify", help="check deposits as the escrow agent does")
    p.add_argument("files", nargs="+", metavar="FILE.ryde",
                   help="a deposit's .ryde (any part of a split deposit: all are checked)")
    p.add_argument("--key", required=True, metavar="AGENT_SECRET_KEY",
                   help="the agent's secret key (armored), to decrypt")
    p.add_argument("--signer", required=True, metavar="REGISTRY_PUBLIC_KEY",
                   help="the registry's public key (armored), to check the signature")
    p.add_argument("--rde-xsd", required=True, metavar="DIR", help="the RDE schemas")
    p.add_argument("--epp-xsd", required=True, metavar="DIR", help="the EPP schemas")
    p.set_defaults(run=run_verify)
    p = escrow.add_parser("run", help="make the deposits that are due ([escrow] schedule)")
    p.add_argument("--every", type=seconds(1, 86_400), metavar="SECONDS",
                   help="keep running, checking every SECONDS (what 'pyrar serve' does)")
    p.set_defaults(run=run_schedule)


def _settings(ctx) -> tuple[EscrowSettings, Gpg]:
    settings = ctx.config.section("escrow", EscrowSettings)
    return settings, Gpg(ctx.config.resolve(settings.gnupg_home), settings.gpg)


def _progress(counts: Counter) -> None:
    """Objects so far, on a terminal (deposit, verify)."""
    if sys.stderr.isatty():
        print("\r" + ", ".join(f"{counts[NS[p]]} {p[3:].lower()}s" for p in OBJECTS),
              end="", file=sys.stderr, flush=True)


def _deposit(ctx, tld: str, kind: str, out: Path | None) -> None:
    settings, gpg = _settings(ctx)
    try:
        with gpg:
            deposit = make_deposit(ctx.registry(), settings, gpg, tld, kind,
                                   out or ctx.config.resolve(settings.out_dir), _progress)
    except (EscrowError, OpenPgpError) as e:
        raise CliError(str(e)) from None
    if sys.stderr.isatty():
        print(file=sys.stderr)
    counts = ", ".join(f"{deposit.counts[NS[p]]} {p[3:].lower()}(s)" for p in OBJECTS)
    print(f"{deposit.kind} deposit {deposit.deposit_id} of .{tld}: {counts}", flush=True)
    for path in deposit.files:
        print(f"  {path}")


def run_deposit(ctx, args) -> None:
    _deposit(ctx, args.tld, args.kind, Path(args.out) if args.out else None)


def _upload(ctx, settings: EscrowSettings, out_dir: Path) -> None:
    destination = Destination.from_settings(settings, ctx.config.resolve)
    if destination is None:
        raise CliError("no escrow agent to upload to: [escrow] sftp_host is not set")
    try:
        done = upload(destination, out_dir, ctx.registry().clock.now)
    except UploadError as e:
        raise CliError(str(e)) from None
    for name in done.sent:
        print(f"uploaded {name}", flush=True)
    for name in done.present:
        print(f"already at the agent: {name}", flush=True)


def run_upload(ctx, args) -> None:
    settings, _ = _settings(ctx)
    _upload(ctx, settings, Path(args.out) if args.out else ctx.config.resolve(settings.out_dir))


def _report(ctx, settings: EscrowSettings, out_dir: Path) -> None:
    interface = ReportingInterface.from_settings(ctx.config.section("icann", IcannSettings),
                                                 ctx.config.resolve)
    if interface is None:
        raise CliError("no reporting interface to send to: [icann] url is not set")
    done = send_escrow_reports(interface, out_dir, ctx.registry().clock.now,
                               after_upload=bool(settings.sftp_host))
    for name in done.sent:
        print(f"reported {name}", flush=True)
    for name in done.waiting:
        print(f"waiting for its deposit to reach the escrow agent: {name}", flush=True)
    if done.failed:
        raise CliError("not taken by ICANN (the next run tries again): "
                       + "; ".join(done.failed))


def _monthly(ctx, interface: ReportingInterface, day: int, out_dir: Path) -> None:
    done = send_monthly_reports(interface, ctx.registry(), out_dir, day)
    for name in done.sent:
        print(f"reported {name}", flush=True)
    if done.failed:
        raise CliError("not taken by ICANN (the next run tries again): "
                       + "; ".join(done.failed))


def run_report(ctx, args) -> None:
    settings, _ = _settings(ctx)
    _report(ctx, settings, Path(args.out) if args.out else ctx.config.resolve(settings.out_dir))


def run_verify(ctx, args) -> int:
    import tempfile

    failed = 0
    with tempfile.TemporaryDirectory() as home, Gpg(Path(home)) as gpg:
        try:
            for key in (args.key, args.signer):
                gpg.import_keys(Path(key).read_bytes())
        except (OSError, OpenPgpError) as e:
            raise CliError(f"keys: {e}") from None
        try:
            schema = rde_schema(Path(args.rde_xsd), Path(args.epp_xsd))
        except (OSError, etree.LxmlError) as e:
            raise CliError(f"schemas: {' '.join(str(e).split())}") from None
        deposits = {}  # a part given stands for its whole deposit, each checked once
        for name in args.files:
            parts = siblings(Path(name))
            deposits[parts[0]] = parts
        for first, parts in deposits.items():
            verdict = verify_files([(p, p.with_suffix(".sig")) for p in parts], gpg, schema,
                                   _progress)
            if sys.stderr.isatty():
                print(file=sys.stderr)
            counts = ", ".join(f"{n} {uri.split(':')[-1]}" for uri, n in
                               sorted(verdict.counts.items()))
            of = f" ({len(parts)} parts)" if len(parts) > 1 else ""
            print(f"{first.name}{of}: {'ok' if verdict.ok else 'FAILED'} ({counts})")
            for problem in verdict.problems:
                print(f"  {problem}")
            failed += not verdict.ok
    return 1 if failed else 0


def run_schedule(ctx, args) -> None:
    stop = threading.Event()
    if not args.every:  # the operator's own run
        _schedule(ctx, args, stop)
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with singleton(ctx, ESCROW, stop) as leader:  # once per cluster (registry.leases)
        if leader is not None:
            _schedule(ctx, args, stop, leader)


def _schedule(ctx, args, stop: threading.Event, leader: Leadership | None = None) -> None:
    settings, _ = _settings(ctx)
    registry = ctx.registry(migrate=args.every is not None)
    out_dir = ctx.config.resolve(settings.out_dir)
    first = True
    while True:
        tlds = registry.read(lambda s: list(s.scalars(Tld.__table__.select()
                                                       .with_only_columns(Tld.name))))
        for tld in tlds:
            kind = due(registry.clock.now(), last_watermark(out_dir, tld), settings)
            if kind:
                if leader is not None:
                    leader.confirm()  # files are no transaction: is the lease still ours?
                try:
                    _deposit(ctx, tld, kind, out_dir)
                except CliError as e:  # one TLD's failure holds back no other
                    print(f"escrow: .{tld}: {e}", file=sys.stderr, flush=True)
        if settings.sftp_host:  # what this or an earlier run could not send, too
            try:
                _upload(ctx, settings, out_dir)
            except CliError as e:
                print(f"escrow: {e}", file=sys.stderr, flush=True)
        icann = ctx.config.section("icann", IcannSettings)
        if icann.url:  # the reports, once deposited
            try:
                _report(ctx, settings, out_dir)
            except CliError as e:
                print(f"escrow: {e}", file=sys.stderr, flush=True)
            try:  # and the month's, once its day has come
                _monthly(ctx, ReportingInterface.from_settings(icann, ctx.config.resolve),
                         icann.monthly_report_day, out_dir)
            except CliError as e:
                print(f"escrow: {e}", file=sys.stderr, flush=True)
        if first:
            ctx.ready()
            first = False
        if not args.every or stop.wait(args.every):
            return
