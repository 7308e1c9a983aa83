"""Registrars working while faults strike: EPP clients (epptools) creating and renewing
names in a loop, each remembering exactly what it was told, and the checks that what the
registry holds is what they were told, once."""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field

import dns.rcode
import dns.rdatatype
from epptools.exceptions import EppException
from sqlalchemy import Engine, func, select, text

from registry.models import Domain, LedgerEntry, Registrar
from tests.serve_stack import Served

AUTH = "Fault-Suite-Str0ng-AuthInfo-0123"
# a 2400 whose commit may have happened: the one answer after which either state is right
UNKNOWN = "outcome unknown"
PACE_SECONDS = 0.02  # between a client's commands: a steady load, not a flood
# fault -> seconds until a new create was answered and published (printed by conftest.py)
RECOVERY: dict[str, float] = {}


@dataclass(frozen=True)
class Told:
    """What a client was told about one command: ``code`` None when no answer came."""

    op: str
    name: str
    clid: str
    code: int | None
    message: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.code in (1000, 1001)

    @property
    def refused(self) -> bool:
        """Told it failed, for sure (not: no answer, or an outcome unknown)."""
        return self.code is not None and self.code >= 2000 and UNKNOWN not in self.message


@dataclass
class Client:
    served: Served
    clid: str
    prefix: str
    told: list[Told] = field(default_factory=list)
    count: int = 0

    @property
    def host(self) -> str:
        return f"ns1.{self.clid}.{self.prefix}.net"

    def run(self, stop: threading.Event) -> None:
        epp = None
        while not stop.is_set():
            try:
                if epp is None:
                    epp = self.served.epp(self.clid)
                    epp.host.create(self.host, [])  # outside the TLD (2302 after the first)
                self._create_and_renew(epp)
            except (EppException, OSError, AssertionError):  # no answer, or no login
                if self._in_flight is not None:
                    self.told.append(Told(*self._in_flight, self.clid, None))
                    self._in_flight = None
                if epp is not None:
                    _close(epp)
                    epp = None
            stop.wait(PACE_SECONDS)
        if epp is not None:
            _close(epp)

    _in_flight: tuple[str, str] | None = None  # (op, name) of the command sent

    def _create_and_renew(self, epp) -> None:
        self.count += 1
        name = f"{self.prefix}-{self.clid}-{self.count}.example"
        reply = self._send(epp, "create", name, lambda: epp.domain.create(
            name, years=1, nameservers=[self.host], auth_info=AUTH))
        if reply.code() == 1000 and self.count % 3 == 0:
            self._send(epp, "renew", name,
                       lambda: epp.domain.renew(name, reply.expiry_date(), 1))

    def _send(self, epp, op: str, name: str, command):
        self._in_flight = (op, name)
        reply = command()
        self._in_flight = None
        self.told.append(Told(op, name, self.clid, reply.code(), reply.message() or ""))
        return reply


def _close(epp) -> None:
    with contextlib.suppress(EppException, OSError):
        epp.disconnect()


class Load:
    """Each clid's client in a thread of its own, until ``stop``."""

    def __init__(self, served: Served, clids: list[str]) -> None:
        self.prefix = f"f{secrets.token_hex(3)}"
        self.clients = [Client(served, clid, self.prefix) for clid in clids]
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=c.run, args=(self._stop,), daemon=True)
                         for c in self.clients]

    def __enter__(self) -> Load:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(60)

    def told(self) -> list[Told]:
        return [t for c in self.clients for t in c.told]

    def acknowledged(self) -> int:
        return sum(t.acknowledged for c in self.clients for t in c.told)


def check_books(engine: Engine, told: list[Told]) -> dict[str, Domain]:
    """Every acknowledged command present exactly once, nothing refused present, each
    registrar's balance the sum of its ledger. Returns the domains the load made."""
    names = {t.name for t in told}
    with engine.connect() as conn:
        rows = conn.execute(select(Domain.name, Registrar.clid, Domain.created_at,
                                   Domain.expires_at).join(
            Registrar, Registrar.id == Domain.sponsor_id).where(Domain.name.in_(names))).all()
        domains = {r.name: r for r in rows}
        ledger = Counter((name, kind) for name, kind in conn.execute(
            select(LedgerEntry.object_name, LedgerEntry.kind).where(
                LedgerEntry.object_name.in_(names))))
        unbalanced = conn.execute(text(
            "SELECT r.clid FROM registrars r JOIN registrar_accounts a ON a.registrar_id = r.id "
            "LEFT JOIN ledger l ON l.registrar_id = r.id GROUP BY r.id, r.clid, a.balance "
            "HAVING a.balance <> COALESCE(SUM(l.amount), 0)")).scalars().all()
        last_balance = conn.execute(select(func.count()).select_from(Registrar)).scalar()
    assert last_balance and not unbalanced, f"balance is not the ledger's sum: {unbalanced}"
    renews = Counter(t.name for t in told if t.op == "renew" and t.acknowledged)
    maybe_renews = Counter(t.name for t in told if t.op == "renew" and not t.acknowledged
                           and not t.refused)
    for t in told:
        if t.op != "create":
            continue
        if t.acknowledged:
            assert t.name in domains, f"acknowledged but absent: {t}"
            assert domains[t.name].clid == t.clid, t
        elif t.refused:
            assert t.name not in domains, f"refused but present: {t}"
    for name, row in domains.items():
        assert ledger[(name, "create")] == 1, f"{name}: {ledger[(name, 'create')]} create charges"
        years = row.expires_at.year - row.created_at.year
        assert renews[name] <= years - 1 <= renews[name] + maybe_renews[name], (name, years)
        assert ledger[(name, "renew")] == years - 1, f"{name}: renew charges"
    return domains


def delegated(served: Served, name: str, host: str) -> bool:
    reply = served.dns(name, "NS")
    if reply is None or reply.rcode() != dns.rcode.NOERROR:
        return False
    ns = [r for r in reply.authority if r.rdtype == dns.rdatatype.NS]
    return bool(ns) and [r.target.to_text() for r in ns[0]] == [f"{host}."]


def absent(served: Served, name: str) -> bool:
    reply = served.dns(name, "NS")
    return reply is not None and reply.rcode() == dns.rcode.NXDOMAIN
