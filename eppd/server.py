"""``pyrar eppd``: the EPP server's entry point."""

from __future__ import annotations

import dataclasses
import functools
import logging
import tempfile
from pathlib import Path

from eppd.application import BackendFactory, build_epp_sessions
from eppd.config import EppdSettings
from eppd.supervisor import supervise
from eppd.worker import WorkerSpec
from registry.config import Config, ConfigError

BACKEND_CALLS = ("threads", "inline")


def resolved_settings(config: Config) -> EppdSettings:
    """``[eppd]`` with the TLS file paths made absolute (relative to the config file)."""
    settings = config.section("eppd", EppdSettings)
    if settings.backend_calls not in BACKEND_CALLS:
        raise ConfigError(f"[eppd] backend_calls: {settings.backend_calls!r} is not one of "
                          f"{', '.join(BACKEND_CALLS)}")
    return dataclasses.replace(
        settings,
        cert=str(config.resolve(settings.cert)),
        key=str(config.resolve(settings.key)),
        ca=str(config.resolve(settings.ca)),
    )


def run(config: Config, backend_factory: BackendFactory, workers: int | None = None) -> int:
    """Serve EPP with ``workers`` processes (default: ``[eppd] workers``) until stopped.

    ``backend_factory(config)`` runs once in every worker; it must be picklable.
    """
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s eppd-supervisor %(levelname)s: %(message)s")
    settings = resolved_settings(config)
    with tempfile.TemporaryDirectory(prefix="pyrar-eppd-sessions-") as slots:
        build = functools.partial(build_epp_sessions, config, backend_factory, Path(slots))
        return supervise(WorkerSpec(settings=settings, build=build),
                         workers or settings.workers)
