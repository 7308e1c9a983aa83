"""``pyrar init DIR``: a complete sandbox (config, database, certificates, TLDs, registrars)."""

from __future__ import annotations

from pathlib import Path

from pyrar.sandbox import SandboxExists, SandboxSpec, init_sandbox

from .context import CliError


def register(subparsers) -> None:
    p = subparsers.add_parser("init", help="create a ready-to-run sandbox in DIR")
    p.add_argument("directory", metavar="DIR")
    p.add_argument("--db", metavar="URL", help="database URL (default: SQLite inside DIR)")
    p.add_argument("--tld", action="append", metavar="NAME", help="TLD to create (repeat)")
    p.add_argument("--registrars", type=int, default=2, metavar="N")
    p.add_argument("--epp-port", type=int, default=7000)
    p.add_argument("--dns-port", type=int, default=5300)
    p.add_argument("--pdns-api-port", type=int, default=8081)
    p.set_defaults(run=run_init)


def run_init(ctx, args) -> None:
    if not 1 <= args.registrars <= 100:
        raise CliError("--registrars must be 1 to 100")
    spec = SandboxSpec(Path(args.directory), args.db, tuple(args.tld or ("example",)),
                       args.registrars, args.epp_port, args.dns_port, args.pdns_api_port)
    try:
        sandbox = init_sandbox(spec)
    except SandboxExists as e:
        raise CliError(str(e)) from None
    print(f"sandbox ready in {sandbox.config_path.parent}")
    print(f"  configuration: {sandbox.config_path}")
    print(f"  EPP credentials for {', '.join(sandbox.clids)}: {sandbox.credentials_path}")
    print(f"  run it: pyrar --config {sandbox.config_path} serve")
