"""A registry with what RDAP, WHOIS and escrow publish, built once per module, and an RDAP
server on it."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass

from aiohttp import web

from rdap.app import Rdap
from rdap.config import RdapSettings
from registry.admin.tlds import add_reserved
from registry.clock import FixedClock
from registry.db import Database, make_engine
from registry.flows.contact_create import ContactCreate
from registry.flows.context import Actor
from registry.query_counts import QueryCounter
from registry.rate_limit import RateLimiter
from registry.rdds_source import RegistrySource
from registry.service import Registry
from registry.values import Disclose, PostalAddress, PostalInfo
from tests.core.objects import DS, make_contact, make_domain, make_host
from tests.core.world import SETTINGS, START, STRONG, World
from tests.databases import empty_tables

TECH = PostalInfo("int", "Tom Tech", "Paris", "FR", street=("1 rue X", "Bat. 2"), pc="75001")
ADDRESS = PostalAddress("Dulles", "US", ("1 Registrar Way",), "VA", "20166")
BULK = 14          # domains bulk00..bulk13.example, for searches past the limit
SEARCH_LIMIT = 10


@dataclass
class Registered:
    world: World
    alice: Actor
    bob: Actor


def populate(world: World) -> Registered:
    world.add_tld("example", data_model="thick")
    world.add_tld("cc", data_model="thick", rdds_profile="cctld", whois_enabled=True)
    world.add_tld("min")
    for tld, label in (("example", "nic"), ("example", "bücher-shop"), ("cc", "nic")):
        world.task(lambda ctx, tld=tld, label=label: add_reserved(ctx, tld, label))  # NNDN
    alice = world.add_registrar("alice", balance=10_000_000, iana_id=9999,
                                url="https://alice.example.net", abuse_email="abuse@alice.net",
                                abuse_phone="+1.5555550100", postal=ADDRESS)
    bob = world.add_registrar("bob", balance=10_000_000, postal=ADDRESS, voice="+1.5555550199")
    make_contact(world, alice, "jane", voice="+1.7035555555", fax="+1.7035555556")
    make_contact(world, alice, "tom", voice="+33.140000000")
    # a ccTLD contact who asked for its name and email address to be shown
    world.run(ContactCreate("toma", (TECH,), "tom@example.fr", voice="+33.140000001",
                            authinfo=STRONG, disclose=Disclose(True, ("email", "name:int"))),
              alice)
    thick = {"registrant": "jane", "contacts": (("admin", "jane"), ("tech", "tom"))}
    make_host(world, alice, "ns.example.net")
    make_domain(world, alice, "glue.example", nameservers=("ns.example.net",),
                ds_data=(DS,), **thick)
    make_host(world, alice, "ns1.glue.example", "192.0.2.1", "2001:db8::1")
    make_domain(world, alice, "other.example", nameservers=("ns1.glue.example",), **thick)
    make_domain(world, alice, "bücher.example", **thick)
    make_domain(world, alice, "shop.cc", registrant="toma",
                contacts=(("admin", "jane"), ("tech", "toma")))
    make_domain(world, alice, "plain.min")
    for i in range(BULK):
        make_domain(world, alice, f"bulk{i:02}.example", **thick)
    return Registered(world, alice, bob)


@contextmanager
def registry_on(kind: str, tmp_path, sqlite_template, mariadb_url=None):
    if kind == "sqlite":
        path = tmp_path / "registry.sqlite3"
        shutil.copy(sqlite_template, path)
        db = Database(make_engine(f"sqlite:///{path}"))
    else:
        db = Database(make_engine(mariadb_url))
        empty_tables(db.engine)
    clock = FixedClock(START)
    try:
        yield World(Registry(db, clock, SETTINGS), clock)
    finally:
        db.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RdapServer:
    """The RDAP application on a loopback port, its loop in a thread of its own."""

    def __init__(self, registry: Registry, limiter: RateLimiter | None = None,
                 counter: QueryCounter | None = None, **settings) -> None:
        port = free_port()
        self.settings = RdapSettings(port=port, search_limit=SEARCH_LIMIT,
                                     port43="whois.nic.cc", **settings)
        self.base = self.settings.public_base
        self.rdap = Rdap(RegistrySource(registry), self.settings, limiter, counter)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.runner = web.AppRunner(self.rdap.application(), access_log=None)
        self._call(self._start())

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    async def _start(self):
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.settings.port).start()

    def stop(self) -> None:
        self._call(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    def get(self, path: str, method: str = "GET", headers: dict | None = None):
        """(status, headers, parsed body or None) of a request to ``path``."""
        request = urllib.request.Request(self.base + path.lstrip("/"), method=method,
                                         headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                status, head, raw = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, head, raw = e.code, e.headers, e.read()
        return status, head, json.loads(raw) if raw else None
