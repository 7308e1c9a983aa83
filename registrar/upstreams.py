"""Upstreams: remote registries the site sells names of over EPP (``pyrar upstream ...``).

Their definitions live in the database (``site_upstreams``), so that every process of the
installation (the site, its consumers, the CLI) sees the same ones; ``UpstreamSet`` turns
them into backends, one EPP link each, and notices additions and removals within
``reload_seconds``. The password is stored because every login needs it; nothing here
prints it or the key's path.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from eppclient import RegistryConfig
from registry.flows.context import FlowContext
from registry.models import Tld
from registry.money import parse_amount

from .backends.base import OPERATIONS
from .backends.epp_link import EppLink
from .backends.remote import RemoteRegistry, Upstream
from .errors import Conflict, InvalidInput, NotFound
from .models import SiteUpstream
from .names import to_ascii_name

NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,31}", re.ASCII)
# the contacts an upstream's TLDs take with a name (the user's registrant contact, made
# at the upstream): the registrant only, the registrant also as admin and tech (thick),
# or none (the minimum data set)
CONTACTS = ("registrant", "all", "none")


@dataclass(frozen=True)
class UpstreamView:
    """What may be shown of an upstream: no password, no key path."""

    name: str
    host: str
    port: int
    clid: str
    tlds: tuple[str, ...]
    markup_percent: int | None
    flat_prices: dict[str, int]
    currency: str
    sessions: int
    idle_timeout: int
    contacts: str

    @classmethod
    def of(cls, row: SiteUpstream) -> UpstreamView:
        return cls(row.name, row.host, row.port, row.clid, tuple(row.tlds),
                   row.markup_percent, dict(row.flat_prices), row.currency, row.sessions,
                   row.idle_timeout, row.contacts)


@dataclass(frozen=True)
class UpstreamSpec:
    """``pyrar upstream add``'s arguments."""

    name: str
    host: str
    port: int
    ca: str
    cert: str
    key: str
    clid: str
    password: str
    tlds: tuple[str, ...]
    markup_percent: int | None = None
    flat_prices: tuple[tuple[str, str], ...] = ()  # (operation, amount as text)
    currency: str | None = None
    sessions: int = 2
    idle_timeout: int = 600  # the registry's, in seconds
    contacts: str = "registrant"  # CONTACTS


def add(ctx: FlowContext, spec: UpstreamSpec, default_currency: str) -> UpstreamView:
    if not NAME.fullmatch(spec.name) or spec.name == "local":
        raise InvalidInput("an upstream's name is 1 to 32 lower-case letters, digits and "
                           "hyphens (and not 'local')", field="name")
    if ctx.session.scalars(select(SiteUpstream).where(SiteUpstream.name == spec.name)).first():
        raise Conflict(f"there is an upstream {spec.name} already", field="name")
    if not spec.host or not 1 <= spec.port <= 65535:
        raise InvalidInput("--host and a --port from 1 to 65535 are needed", field="host")
    for option, path in (("--ca", spec.ca), ("--cert", spec.cert), ("--key", spec.key)):
        if not Path(path).is_file():
            raise InvalidInput(f"{option}: no such file", field=option[2:])
    if not 3 <= len(spec.clid) <= 16:
        raise InvalidInput("--clid must have 3 to 16 characters", field="clid")
    if len(spec.password) < 6:
        raise InvalidInput("--password must have at least 6 characters", field="password")
    if not 1 <= spec.sessions <= 16:
        raise InvalidInput("--sessions must be 1 to 16", field="sessions")
    if not 2 <= spec.idle_timeout <= 86400:
        raise InvalidInput("--idle-timeout must be 2 to 86400 seconds", field="idle_timeout")
    if spec.contacts not in CONTACTS:
        raise InvalidInput(f"--contacts is one of {', '.join(CONTACTS)}", field="contacts")
    if spec.markup_percent is not None and not 0 <= spec.markup_percent <= 1000:
        raise InvalidInput("--markup must be 0 to 1000 (percent)", field="markup")
    tlds = tuple(dict.fromkeys(to_ascii_name(t).lstrip(".") for t in spec.tlds))
    if not tlds:
        raise InvalidInput("at least one --tld is needed", field="tld")
    local = set(ctx.session.scalars(select(Tld.name).where(Tld.name.in_(tlds))))
    if local:
        raise Conflict(f"the local registry runs {', '.join(sorted(local))}: an upstream "
                       "cannot sell it too", field="tld")
    for other in ctx.session.scalars(select(SiteUpstream)):
        if taken := set(tlds) & set(other.tlds):
            raise Conflict(f"upstream {other.name} sells {', '.join(sorted(taken))} already",
                           field="tld")
    currency = (spec.currency or default_currency).upper()
    prices = {}
    for op, amount in spec.flat_prices:
        if op not in OPERATIONS:
            raise InvalidInput(f"--price: the operations are {', '.join(OPERATIONS)}",
                               field="price")
        prices[op] = parse_amount(amount, currency)
    row = SiteUpstream(name=spec.name, host=spec.host, port=spec.port,
                       ca=str(Path(spec.ca).resolve()), cert=str(Path(spec.cert).resolve()),
                       key=str(Path(spec.key).resolve()), clid=spec.clid,
                       password=spec.password, tlds=list(tlds),
                       markup_percent=spec.markup_percent, flat_prices=prices,
                       currency=currency, sessions=spec.sessions,
                       idle_timeout=spec.idle_timeout, contacts=spec.contacts,
                       created_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    return UpstreamView.of(row)


def listing(ctx: FlowContext) -> list[UpstreamView]:
    return [UpstreamView.of(r) for r in ctx.session.scalars(
        select(SiteUpstream).order_by(SiteUpstream.name))]


def remove(ctx: FlowContext, name: str) -> None:
    row = find(ctx, name)
    ctx.session.delete(row)


def find(ctx: FlowContext, name: str) -> SiteUpstream:
    row = ctx.session.scalars(select(SiteUpstream).where(SiteUpstream.name == name)).first()
    if row is None:
        raise NotFound(f"no upstream {name}", field="name")
    return row


def registry_config(row: SiteUpstream, **overrides) -> RegistryConfig:
    return RegistryConfig(
        name=row.name, host=row.host, port=row.port, ca=Path(row.ca), cert=Path(row.cert),
        key=Path(row.key), clid=row.clid, password=row.password, sessions=row.sessions,
        max_sessions=max(row.sessions, 4), idle_timeout=float(row.idle_timeout),
        currency=row.currency, **overrides)


def upstream_of(row: SiteUpstream) -> Upstream:
    return Upstream(row.name, tuple(row.tlds), row.currency, row.markup_percent,
                    dict(row.flat_prices), row.contacts)


def _fingerprint(row: SiteUpstream) -> tuple:
    """What a running link depends on: a change of any of it makes a new link."""
    return (row.host, row.port, row.ca, row.cert, row.key, row.clid, row.password,
            tuple(row.tlds), row.markup_percent, tuple(sorted(row.flat_prices.items())),
            row.currency, row.sessions, row.idle_timeout, row.contacts)


class UpstreamSet:
    """The upstreams as backends, by TLD; definitions re-read every ``reload_seconds``."""

    def __init__(self, price_seconds: float = 300.0, reload_seconds: float = 10.0,
                 link: Callable[[RegistryConfig], EppLink] = EppLink,
                 config_overrides: dict | None = None) -> None:
        self.price_seconds = price_seconds
        self.reload_seconds = reload_seconds
        self._link = link
        self._overrides = config_overrides or {}
        self._backends: dict[str, tuple[tuple, RemoteRegistry]] = {}
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def backends(self, ctx: FlowContext) -> list[RemoteRegistry]:
        with self._lock:
            now = time.monotonic()
            if self._read_at is None or now - self._read_at >= self.reload_seconds:
                self._reload(list(ctx.session.scalars(select(SiteUpstream))))
                self._read_at = now
            return [b for _, b in self._backends.values()]

    def by_tld(self, ctx: FlowContext) -> dict[str, RemoteRegistry]:
        return {tld: b for b in self.backends(ctx) for tld in b.upstream.tlds}

    def _reload(self, rows: list[SiteUpstream]) -> None:
        wanted = {r.name: r for r in rows}
        for name in list(self._backends):
            row = wanted.get(name)
            if row is None or _fingerprint(row) != self._backends[name][0]:
                self._backends.pop(name)[1].close()
        for name, row in wanted.items():
            if name not in self._backends:
                backend = RemoteRegistry(upstream_of(row),
                                         self._link(registry_config(row, **self._overrides)),
                                         self.price_seconds)
                self._backends[name] = (_fingerprint(row), backend)

    def close(self) -> None:
        with self._lock:
            for _, backend in self._backends.values():
                backend.close()
            self._backends.clear()
            self._read_at = None
