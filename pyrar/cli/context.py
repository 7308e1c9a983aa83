"""What every subcommand gets: the configuration and, on demand, the registry."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterable
from typing import Any

from pyrar.readiness import ReadyNotifier
from registry.config import Config
from registry.flows.context import Actor, FlowContext
from registry.migrate import current_revision, head_revision, upgrade
from registry.service import Registry


class CliError(Exception):
    """A one-line error for the operator."""


class CliContext:
    def __init__(self, config_path: str | None,
                 notifier: ReadyNotifier | None = None) -> None:
        self._config_path = config_path
        self._config: Config | None = None
        self._registry: Registry | None = None
        self.notifier = notifier or ReadyNotifier()

    @property
    def config(self) -> Config:
        """The configuration file's; without one a command would work on an empty database
        of its own in the current directory, so it is refused instead."""
        if self._config is None:
            path = self._config_path or os.environ.get("PYRAR_CONFIG")
            if not path:
                raise CliError("no configuration: give --config FILE or set PYRAR_CONFIG; "
                               "'pyrar init DIR' makes a sandbox with its DIR/pyrar.toml")
            self._config = Config.load(path)
        return self._config

    def ready(self) -> None:
        """A long-running command serves now: tell ``pyrar serve`` (or systemd)."""
        self.notifier.ready()

    def registry(self, *, migrate: bool = False) -> Registry:
        """The registry; ``migrate`` upgrades the schema first (services do), else it must be
        current already."""
        if self._registry is None:
            registry = Registry.from_config(self.config)
            if migrate:
                upgrade(registry.db.engine)
            elif (rev := current_revision(registry.db.engine)) != head_revision():
                registry.close()
                raise CliError(f"the database schema is at {rev or 'nothing'}, not "
                               f"{head_revision()}: run 'pyrar db upgrade'")
            self._registry = registry
        return self._registry

    @property
    def actor(self) -> Actor:
        try:
            login = getpass.getuser()
        except (KeyError, OSError):
            login = "cli"
        return Actor.operator(login)

    def dns_state(self):
        """The registry as zonegen's desired state."""
        from zonegen.core_state import CoreState

        return CoreState(self.registry())

    def hosting_nameservers(self) -> tuple[str, ...]:
        """The registry's DNS hosting name servers ([powerdns] hosted_nameservers), for the
        registrar site, which sells hosting on them."""
        from zonegen.config import PowerDnsSettings

        return self.config.section("powerdns", PowerDnsSettings).hosted_nameservers

    def new_tld_dns(self, tld: str, nameservers: list[str] | None = None,
                    dnssec: str = "nsec3") -> dict | None:
        """A new TLD's DNS settings, checked by zonegen: its name servers given, else
        [powerdns] tld_nameservers; None without either (the TLD is then not published).
        ValueError says what is wrong."""
        from zonegen.cli import ZoneCommandError, dns_settings
        from zonegen.config import PowerDnsSettings

        defaults = self.config.section("powerdns", PowerDnsSettings)
        nameservers = nameservers or defaults.default_tld_nameservers(tld)
        if not nameservers:
            return None
        try:
            return dns_settings(tld, nameservers, dnssec)
        except ZoneCommandError as e:
            raise ValueError(str(e)) from None

    def task(self, work: Callable[[FlowContext], Any], command: str = "") -> Any:
        """Run an operator task in one transaction."""
        return self.registry().run(work, self.actor, command)

    def show(self, work: Callable[[FlowContext], Iterable[str]], command: str = "") -> None:
        """Print the lines ``work`` yields, once its transaction has ended: one that runs
        again (after a lost connection) must not print twice."""
        for line in self.task(lambda c: list(work(c)), command):
            print(line)

    def close(self) -> None:
        if self._registry is not None:
            self._registry.close()
