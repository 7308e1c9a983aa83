"""eppd on the real registry core: a migrated database, registrars, TLDs, and a running
``pyrar eppd`` in a subprocess; a small client for the core tests (every frame it reads
is validated against our schemas)."""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from eppd_client import EppClient, client_context
from eppd_servers import PASSWORDS, Pki, free_port, stop_process
from lxml import etree
from sqlalchemy import select

from certs import fingerprint
from registry.admin.registrars import add_registrar
from registry.admin.tlds import add_premium, add_reserved, add_tld, set_price
from registry.billing import credit
from registry.db import Database, make_engine
from registry.flows.context import Actor
from registry.migrate import upgrade
from registry.models import Domain, Registrar
from registry.service import Registry
from tests.core.world import SETTINGS
from tests.databases import database_url
from tests.eppd.server_log import ServerLog

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
NS = {
    "e": "urn:ietf:params:xml:ns:epp-1.0",
    "d": "urn:ietf:params:xml:ns:domain-1.0",
    "h": "urn:ietf:params:xml:ns:host-1.0",
    "c": "urn:ietf:params:xml:ns:contact-1.0",
    "s": "urn:ietf:params:xml:ns:secDNS-1.1",
    "r": "urn:ietf:params:xml:ns:rgp-1.0",
    "f": "urn:ietf:params:xml:ns:epp:fee-1.0",
    "cp": "urn:ietf:params:xml:ns:changePoll-1.0",
    "ls": "urn:ietf:params:xml:ns:epp:loginSec-1.0",
    "b": "http://www.verisign.com/epp/balance-1.0",
}
OBJECTS = (NS["d"], NS["h"], NS["c"])
EXTENSIONS = (NS["s"], NS["r"], NS["f"], NS["cp"])
XMLNS = " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items() if p != "e")
PRICES = {"create": 1000, "renew": 1000, "transfer": 800, "restore": 5000}  # USD cents
FUNDS = 1_000_000
STRONG = "Str0ng-Auth-Info-0123456789"
# TLD "fast" has no grace or pending periods: lifecycle steps happen at the next touch.
FAST = {"add_grace_days": 0, "transfer_pending_days": 0, "redemption_days": 0,
        "pending_delete_days": 0, "pending_restore_days": 0}


@dataclass
class Reply:
    frame: bytes
    doc: etree._Element

    @property
    def code(self) -> int:
        return int(self.doc.find("e:response/e:result", NS).get("code"))

    @property
    def msg(self) -> str:
        return self.doc.findtext("e:response/e:result/e:msg", namespaces=NS)

    def find(self, path: str) -> etree._Element | None:
        return self.doc.find(path, NS)

    def findall(self, path: str) -> list[etree._Element]:
        return self.doc.findall(path, NS)

    def text(self, path: str) -> str | None:
        return self.doc.findtext(path, namespaces=NS)

    def res(self, path: str) -> etree._Element | None:
        return self.find(f"e:response/e:resData/{path}")

    def ext(self, path: str) -> etree._Element | None:
        return self.find(f"e:response/e:extension/{path}")

    @property
    def msg_queue(self) -> etree._Element | None:
        return self.find("e:response/e:msgQ")

    def __repr__(self) -> str:
        return self.frame.decode(errors="replace")


class Epp:
    """One session: ``command`` wraps an object command in ``<epp><command>``."""

    def __init__(self, client: EppClient) -> None:
        self.client = client
        self._trids = itertools.count(1)
        self.last_cl_trid = ""

    def close(self) -> None:
        self.client.close()

    def raw(self, xml: str) -> Reply:
        frame = self.client.request(xml.encode())
        return Reply(frame, etree.fromstring(frame))

    def command(self, body: str, extension: str = "", cl_trid: str | None = None) -> Reply:
        self.last_cl_trid = cl_trid or f"core-test-{next(self._trids)}"
        ext = f"<extension>{extension}</extension>" if extension else ""
        return self.raw(f'<epp xmlns="{NS["e"]}" {XMLNS}><command>{body}{ext}'
                        f"<clTRID>{self.last_cl_trid}</clTRID></command></epp>")

    def login(self, clid: str, password: str | None = None,
              objects: tuple[str, ...] = OBJECTS, extensions: tuple[str, ...] = EXTENSIONS,
              new_password: str | None = None) -> Reply:
        objs = "".join(f"<objURI>{u}</objURI>" for u in objects)
        exts = "".join(f"<extURI>{u}</extURI>" for u in extensions)
        svc_ext = f"<svcExtension>{exts}</svcExtension>" if exts else ""
        new_pw = f"<newPW>{new_password}</newPW>" if new_password else ""
        return self.command(
            f"<login><clID>{clid}</clID><pw>{password or PASSWORDS[clid]}</pw>{new_pw}"
            "<options><version>1.0</version><lang>en</lang></options>"
            f"<svcs>{objs}{svc_ext}</svcs></login>")

    def logout(self) -> Reply:
        return self.command("<logout/>")


@dataclass
class CoreWorld(ServerLog):
    """The running server and direct access to its registry (as an operator would)."""

    port: int
    process: subprocess.Popen
    log_path: Path
    pki: Pki
    registry: Registry
    check: Callable[[bytes], None]
    dialect: str

    def connect(self, clid: str | None = "reg1", **kwargs) -> Epp:
        cert = self.pki.clients[clid] if clid else None
        return Epp(EppClient("127.0.0.1", self.port, client_context(self.pki.ca, cert),
                             check=self.check, **kwargs))

    @contextlib.contextmanager
    def session(self, clid: str = "reg1", **login) -> Iterator[Epp]:
        epp = self.connect(clid)
        try:
            reply = epp.login(clid, **login)
            assert reply.code == 1000, reply
            yield epp
        finally:
            epp.close()

    def registrar(self, clid: str) -> Registrar:
        return self.registry.run(lambda ctx: ctx.session.scalars(
            select(Registrar).where(Registrar.clid == clid)).one())

    # Operator-side changes that stand in for time passing

    def end_grace_periods(self, name: str) -> None:
        def work(ctx):
            domain = ctx.session.scalars(select(Domain).where(Domain.name == name)).one()
            domain.grace_periods.clear()
        self.registry.run(work)

    def reach_expiry(self, name: str) -> None:
        """The domain's expiry is now: the next command that touches it auto-renews it."""
        def work(ctx):
            domain = ctx.session.scalars(select(Domain).where(Domain.name == name)).one()
            domain.expires_at = domain.next_event_at = ctx.now - timedelta(seconds=1)
        self.registry.run(work)


def populate(registry: Registry, pki: Pki) -> None:
    def work(ctx):
        for name, policy in (("example", {}), ("fast", FAST),
                             ("dnssec", {"max_sig_life_allowed": True})):
            add_tld(ctx, name, **policy)
            for op, amount in PRICES.items():
                set_price(ctx, name, op, "USD", amount)
        add_premium(ctx, "example", "gold", regex=False, currency="USD",
                    prices={"create": 100_000, "renew": 100_000}, class_name="gold")
        add_reserved(ctx, "example", "reserved", "Reserved by policy")
        for clid in PASSWORDS:
            registrar = add_registrar(
                ctx, clid, password=PASSWORDS[clid], credit_limit=0,
                fingerprints=(fingerprint(pki.clients[clid].cert.read_bytes()),))
            credit(ctx, registrar.id, FUNDS, "payment", None, "test funds")
    registry.run(work, Actor.operator("test"))


@contextlib.contextmanager
def core_world(directory: Path, pki: Pki, check: Callable[[bytes], None],
               dialect: str = "sqlite", *, eppd_database: Callable[[str], str] = str,
               database: dict | None = None, **eppd: object) -> Iterator[CoreWorld]:
    """``eppd_database`` maps the database URL to the one eppd uses (through a proxy, say);
    ``database`` adds keys to eppd's [database] table."""
    directory.mkdir(parents=True, exist_ok=True)
    with database_url(dialect, directory, "pyrar_eppd") as url:
        engine = make_engine(url, pool_size=2)
        upgrade(engine)
        registry = Registry(Database(engine), settings=SETTINGS)
        populate(registry, pki)
        port = free_port()
        certs = pki.ca.parent
        settings = {"host": "127.0.0.1", "port": port, "cert": str(certs / "server.pem"),
                    "key": str(certs / "server.key"), "ca": str(pki.ca),
                    "idle_timeout": 120, "max_sessions_per_registrar": 60, **eppd}
        config = directory / "pyrar.toml"
        config.write_text(
            f'[database]\nurl = "{eppd_database(url)}"\npool_size = 4\n'
            + "".join(f"{k} = {_toml(v)}\n" for k, v in (database or {}).items()) + "\n"
            '[registry]\nserver_id = "PyRar core test"\n\n[eppd]\n'
            + "".join(f"{k} = {_toml(v)}\n" for k, v in settings.items()))
        log_path = directory / "eppd.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYRAR_")}
        env["PYTHONPATH"] = str(REPO)
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "pyrar.cli.main", "--config", str(config), "eppd",
                 "--workers", "1"], cwd=directory, env=env, stdout=log,
                stderr=subprocess.STDOUT)
        world = CoreWorld(port, process, log_path, pki, registry, check, dialect)
        try:
            _wait_until_serving(world)
            yield world
        finally:
            stop_process(world.process)  # a test may have restarted it (eppclient's pool)
            registry.close()


def _wait_until_serving(world: CoreWorld, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if world.process.poll() is not None:
            raise RuntimeError(f"pyrar eppd exited early:\n{world.log_text()}")
        try:
            world.connect(timeout=2.0).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"pyrar eppd did not start in {timeout} s:\n{world.log_text()}")


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
