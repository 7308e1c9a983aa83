"""``pyrar``: the operators' command line. Bad input, usage errors included, gets one line on
stderr and exit status 1 (README.md promises it; scripts need one status for "refused")."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from pyrar.readiness import ReadyNotifier
from registry.config import ConfigError
from registry.errors import EppError

from .context import CliContext, CliError

# Each module adds its subcommands with ``register(subparsers)``; each subcommand sets ``run``.
COMMAND_MODULES = (
    "pyrar.cli.init", "pyrar.cli.database", "pyrar.cli.tlds", "pyrar.cli.registrars",
    "pyrar.cli.domains", "pyrar.cli.lifecycle", "pyrar.cli.events", "pyrar.cli.serve",
    "pyrar.cli.eppd", "pyrar.cli.rdds", "pyrar.cli.escrow", "pyrar.cli.health",
    "pyrar.cli.reports", "pyrar.cli.launch", "pyrar.cli.upstreams",
    "zonegen.cli", "webui.cli",
)


class Parser(argparse.ArgumentParser):
    def error(self, message: str):
        self.exit(1, f"pyrar: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="pyrar", description="PyRar registry and registrar")
    parser.add_argument("--config", metavar="FILE",
                        help="configuration file (default: $PYRAR_CONFIG)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       parser_class=Parser, required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue  # a component that is not installed adds no commands
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # --help (0), or a usage error, already printed (1)
        return e.code if isinstance(e.code, int) else 1
    ctx = CliContext(args.config, ReadyNotifier.take_from_environment())
    try:
        return args.run(ctx, args) or 0
    except (CliError, ConfigError) as e:
        return _fail(str(e))
    except EppError as e:
        return _fail(e.reason)
    except SQLAlchemyError as e:
        return _fail(f"database: {str(e.orig if hasattr(e, 'orig') else e).splitlines()[0]}")
    except KeyboardInterrupt:
        return 130
    finally:
        ctx.close()


def _fail(message: str) -> int:
    print(f"pyrar: error: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
