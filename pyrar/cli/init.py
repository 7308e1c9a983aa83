"""``pyrar init DIR``: a complete sandbox (config, database, certificates, TLDs, registrars)."""

from __future__ import annotations

from pathlib import Path

from escrow.openpgp import OpenPgpError
from pyrar.sandbox import RDAP_PORT, SandboxExists, SandboxSpec, free_port, init_sandbox

from .arguments import whole_number
from .context import CliError

PORT = whole_number(1, 65535)


def register(subparsers) -> None:
    p = subparsers.add_parser("init", help="create a ready-to-run sandbox in DIR")
    p.add_argument("directory", metavar="DIR")
    p.add_argument("--db", metavar="URL", help="database URL (default: SQLite inside DIR)")
    p.add_argument("--tld", action="append", metavar="NAME", help="TLD to create (repeat)")
    p.add_argument("--registrars", type=whole_number(1, 100), default=2, metavar="N")
    p.add_argument("--epp-port", type=PORT, default=7000)
    p.add_argument("--dns-port", type=PORT, default=5300)
    p.add_argument("--pdns-api-port", type=PORT, default=8081)
    p.add_argument("--rdap-port", type=PORT,
                   help=f"default {RDAP_PORT}, or a free port when another program has it")
    p.add_argument("--web-port", type=PORT, default=8080)
    p.set_defaults(run=run_init)


def run_init(ctx, args) -> None:
    spec = SandboxSpec(Path(args.directory), args.db, tuple(args.tld or ("example",)),
                       args.registrars, args.epp_port, args.dns_port, args.pdns_api_port,
                       rdap_port=args.rdap_port or free_port(RDAP_PORT), web_port=args.web_port)
    try:
        sandbox = init_sandbox(spec)
    except (SandboxExists, OpenPgpError) as e:
        raise CliError(str(e)) from None
    print(f"sandbox ready in {sandbox.config_path.parent}")
    print(f"  configuration: {sandbox.config_path}")
    print(f"  EPP credentials for {', '.join(sandbox.clids)}: {sandbox.credentials_path}")
    print(f"  the registrar site's URL, operator and demo user: {sandbox.credentials_path} "
          "(under \"web\")")
    print(f"  run it: pyrar --config {sandbox.config_path} serve")
    print("  [registry] roid_suffix is PYRAR: fine for a sandbox; production needs a "
          "repository id registered with IANA")
