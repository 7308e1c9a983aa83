"""One TOML configuration file with environment overrides.

Every component reads its own table (``[database]``, ``[eppd]``, ``[powerdns]``...) through
``Config.section``. An environment variable ``PYRAR_<TABLE>_<KEY>`` overrides ``key`` in
``[table]``; a few short aliases (``PYRAR_DB_URL``) exist for the commonest ones.
"""

from __future__ import annotations

import os
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

ENV_PREFIX = "PYRAR_"
ALIASES = {"PYRAR_DB_URL": ("database", "url")}

T = TypeVar("T")


class ConfigError(Exception):
    """The configuration file or an override is unusable; the message says which key."""


@dataclass(frozen=True)
class Config:
    """The parsed file plus overrides; ``base_dir`` resolves relative paths in it."""

    data: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    base_dir: Path = field(default_factory=Path.cwd)
    path: Path | None = None

    @classmethod
    def load(cls, path: str | os.PathLike | None, environ: Mapping[str, str] | None = None
             ) -> Config:
        environ = os.environ if environ is None else environ
        path = path or environ.get("PYRAR_CONFIG")
        data: dict[str, dict[str, Any]] = {}
        base_dir = Path.cwd()
        file_path = None
        if path:
            file_path = Path(path).resolve()
            data = _read(path, file_path)
            base_dir = file_path.parent
        return cls(_apply_environment(data, environ), base_dir, file_path)

    @classmethod
    def from_text(cls, text: str, base_dir: Path, environ: Mapping[str, str] | None = None
                  ) -> Config:
        """A configuration not read from a file (yet): ``pyrar init`` and tests."""
        environ = os.environ if environ is None else environ
        return cls(_apply_environment(tomllib.loads(text), environ), Path(base_dir))

    def section(self, name: str, schema: type[T]) -> T:
        """Build the dataclass ``schema`` from table ``name``, converting env strings."""
        raw = dict(self.data.get(name, {}))
        hints = get_type_hints(schema)
        known = {f.name for f in fields(schema)}  # type: ignore[arg-type]
        unknown = set(raw) - known
        if unknown:
            raise ConfigError(f"[{name}] has unknown key(s): {', '.join(sorted(unknown))}")
        values = {k: _coerce(name, k, v, hints[k]) for k, v in raw.items()}
        try:
            return schema(**values)
        except TypeError as e:
            raise ConfigError(f"[{name}]: {e}") from None

    def resolve(self, path: str | os.PathLike) -> Path:
        """A path from the file, taken relative to the file's own directory."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)


def _read(path: str | os.PathLike, file_path: Path) -> dict[str, dict[str, Any]]:
    try:
        with open(file_path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"configuration file {path} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"configuration file {path} is a directory, not a file") from None
    except OSError as e:
        raise ConfigError(f"configuration file {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"configuration file {path} is not TOML (not UTF-8 text)") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"configuration file {path} is not valid TOML: {e}") from None
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"configuration file {path}: {name} must be a table "
                              f"([{name}] followed by its keys), not a single value")
    return data


def _apply_environment(data: dict, environ: Mapping[str, str]) -> dict:
    merged = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    for var, value in environ.items():
        if not var.startswith(ENV_PREFIX) or var == "PYRAR_CONFIG":
            continue
        if var in ALIASES:
            table, key = ALIASES[var]
        else:
            rest = var[len(ENV_PREFIX):].lower()
            table, _, key = rest.partition("_")
            if not key:
                continue
        merged.setdefault(table, {})[key] = value
    return merged


def _coerce(table: str, key: str, value: Any, hint: Any) -> Any:
    """Values from the environment arrive as strings; turn them into the declared type.
    The file's values have their TOML type, which must be the declared one."""
    target = hint if isinstance(hint, type) else None
    text = str(hint)
    if not isinstance(value, str):
        return _checked(table, key, value, target)
    try:
        if target is bool or text == "bool":
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if target is int or text == "int":
            return int(value)
        if target is float or text == "float":
            return float(value)
        if text.startswith(("list", "tuple")):
            return [v.strip() for v in value.split(",") if v.strip()]
    except ValueError:
        raise ConfigError(f"[{table}] {key}: cannot read {value!r} as {text}") from None
    return value


_KINDS = {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}


def _checked(table: str, key: str, value: Any, target: type | None) -> Any:
    """A TOML value of the declared type (an int is a float too; a bool is no int)."""
    if target is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if target in (bool, int, float, str) and (
            not isinstance(value, target) or (target is int and isinstance(value, bool))):
        raise ConfigError(f"[{table}] {key}: {value!r} is not {_KINDS[target]}")
    return value


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///pyrar.sqlite3"
    echo: bool = False
    pool_size: int = 10
    # after a COMMIT lost with its connection: how long to try to find out whether it
    # happened before answering "outcome unknown" (registry.commit)
    commit_settle_seconds: float = 15.0
    # every command's budget, retries included: past it, it is rolled back and answered
    # 2400 (registry.deadlines)
    command_seconds: float = 15.0
    # MariaDB: how long a command waits for a row lock before it gives up (and tries again
    # while its budget lasts); MariaDB's own default is 50 s
    lock_wait_seconds: int = 5


@dataclass(frozen=True)
class RegistrySettings:
    server_id: str = "PyRar"
    roid_suffix: str = "PYRAR"
    low_balance_poll: bool = True
    contact_authinfo_min_bits: int = 128  # RFC 9154 strength for contact authInfo
    contact_transfer_pending_days: int = 5
    # How long a process reuses TLD policy and prices it has read: operators' changes reach running
    # servers within this many seconds.
    policy_cache_seconds: float = 10.0
    # the most items one command may carry in any one part (names in a check, contacts,
    # statuses...): more is refused with 2306 (registry.command_size)
    max_objects_per_command: int = 100
    # scrypt's cost (N, a power of two) for the registrar passwords set from now on: 2**14 takes
    # about 70 ms and 16 MiB a hash here. Each stored hash records its own cost, so a change
    # leaves the passwords already set valid.
    password_hash_cost: int = 2**14

    def __post_init__(self) -> None:
        cost = self.password_hash_cost
        if cost < 2 or cost & (cost - 1):
            raise ConfigError(f"[registry] password_hash_cost must be a power of two, not {cost}")


@dataclass(frozen=True)
class EventSettings:
    """``[events]``: the outbox's consumers (registry/events)."""

    # where consumers bind their wake-up sockets, relative to the configuration file
    run_dir: str = "run"
    # a failed event is tried again after 1, 2, 4... seconds (at most retry_max_seconds);
    # its max_attempts-th failure dead-letters it (``pyrar events list --dead``)
    max_attempts: int = 10
    retry_first_seconds: float = 1.0
    retry_max_seconds: float = 900.0


@dataclass(frozen=True)
class ClusterSettings:
    """``[cluster]``: several nodes over one database (docs/scale-out.md). The work that must
    run once per cluster runs on the node holding its lease (registry.leases)."""

    # this node's name, unique in the cluster; empty: the host's name. One node alone takes
    # every lease at once, as if there were none
    node_id: str = ""
    # a holder that stops renewing loses its lease this long after its last renewal; a
    # standby node takes it over within lease_seconds + renew_seconds of that renewal
    lease_seconds: float = 15.0
    # how often the holder renews, and a standby node looks
    renew_seconds: float = 5.0

    def __post_init__(self) -> None:
        if len(self.node_id) > 64:
            raise ConfigError("[cluster] node_id: at most 64 characters")
        if not 0 < self.renew_seconds * 2 <= self.lease_seconds:
            raise ConfigError("[cluster] renew_seconds must be more than 0 and at most half "
                              "of lease_seconds (a renewal may fail once and the lease hold)")

    @property
    def node(self) -> str:
        return self.node_id or socket.gethostname()[:64]
