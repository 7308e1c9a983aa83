"""PowerDNS's rectify, done in Python for part of a zone.

PowerDNS serves DNSSEC answers from its SQL backends using two columns it expects "rectify" to
have filled: ``auth`` (0 for delegation NS and glue: never signed) and ``ordername`` (the NSEC3
hash, or the reversed relative name for NSEC, or NULL for names that get no NSEC(3) record), and
it adds rows with a NULL type for empty non-terminals (ENTs). ``pdnsutil rectify-zone`` redoes
this for the whole zone (seconds at 100k delegations), so PyRar computes the same values for the
part it changes. The rules below follow DNSSECKeeper::rectifyZone of PowerDNS 4.7 (with one
fix, see ``ent_row``); the test suite checks them by running PowerDNS's own rectify over zones
written this way and requiring that nothing else changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from zonegen.model import DnssecPolicy
from zonegen.names import db_name, is_at_or_below, nsec3_hash, nsec_ordername, parent
from zonegen.records import Record


@dataclass(frozen=True)
class Denial:
    """How the zone proves non-existence, as far as ordername/auth are concerned."""

    secured: bool = True
    nsec3: bool = True
    opt_out: bool = True
    salt: bytes = b""
    iterations: int = 0

    @classmethod
    def from_policy(cls, policy: DnssecPolicy) -> Denial:
        return cls(policy.enabled, policy.nsec3, policy.opt_out,
                   policy.salt if policy.nsec3 else b"",
                   policy.iterations if policy.nsec3 else 0)

    @classmethod
    def from_nsec3param(cls, secured: bool, nsec3param: str | None) -> Denial:
        """From what PowerDNS keeps: active keys or not, the NSEC3PARAM metadata text."""
        if not secured:
            return cls(False, False, False)
        if not nsec3param:
            return cls(True, False, False)
        _alg, flags, iterations, salt = nsec3param.split()
        return cls(True, True, bool(int(flags) & 1),
                   b"" if salt == "-" else bytes.fromhex(salt), int(iterations))

    def hash(self, name: str) -> str:
        return nsec3_hash(name, self.salt, self.iterations)


class Row(NamedTuple):
    """One row of PowerDNS's ``records`` table, as the writer compares and stores it."""

    name: str               # storage form: no trailing dot
    type: str | None        # None: empty non-terminal
    content: str | None
    ttl: int | None
    prio: int | None
    ordername: str | None
    auth: int


@dataclass(frozen=True)
class Rectified:
    """Rows for a part of the zone, and what that part contributes to ENTs above it."""

    rows: list[Row]
    auth_up: bool       # some name in it is authoritative (ENT above gets auth=1)
    nsec3_up: bool      # some record in it enters the NSEC3 chain (ENT above gets a hash)


def ent_row(name: str, denial: Denial, auth: bool, nsec3: bool) -> Row:
    """An empty non-terminal, from what the names below it contribute.

    One deliberate difference from PowerDNS 4.7's rectify: with NSEC3 opt-out, an ENT that is
    in the NSEC3 chain (some delegation below it has a DS) gets auth=1, as it does without
    opt-out. PowerDNS gives it auth=0, and then, looking for the closest provable encloser of
    an unsigned delegation below that ENT, skips the ENT and serves an NSEC3 that matches the
    "next closer" name instead of covering it: a bogus insecure referral (see
    tests/zonegen/test_zonegen_rectify.py). An ENT above a zone cut is authoritative data anyway.
    """
    ordername = None
    if denial.nsec3 and nsec3:
        ordername = denial.hash(name)
        auth = True
    return Row(db_name(name), None, None, None, None, ordername, int(auth))


def rectify(zone: str, denial: Denial, records: Iterable[Record],
            ent_root: str | None) -> Rectified:
    """Rows for ``records`` (all of the zone at or below ``ent_root``).

    ENT rows are made for missing names strictly between each name and the zone that lie at or
    below ``ent_root`` (none if it is None); ENTs further up are the caller's, from
    ``Rectified.auth_up``/``nsec3_up``.
    """
    by_name: dict[str, list[Record]] = {}
    for r in records:
        by_name.setdefault(r.name, []).append(r)
    nsset = {n for n, rs in by_name.items() if n != zone and any(r.type == "NS" for r in rs)}
    dsnames = {n for n, rs in by_name.items() if any(r.type == "DS" for r in rs)}

    def delegated(name: str) -> bool:
        cur = name
        while True:
            if cur in nsset:
                return True
            if cur == zone or cur == ".":
                return False
            cur = parent(cur)

    def below_delegation(name: str) -> bool:
        return name != zone and parent(name) != zone and delegated(parent(name))

    nsec3set: set[str] = set()
    nsec3_up = False
    if denial.nsec3:
        for name, rs in by_name.items():
            if below_delegation(name):
                continue
            if any(r.type != "NS" for r in rs) or not denial.opt_out:
                nsec3_up = True
                cur = name
                while cur not in nsec3set:
                    nsec3set.add(cur)
                    if cur == zone or cur == ".":
                        break
                    cur = parent(cur)

    rows: list[Row] = []
    nonterm: dict[str, bool] = {}
    auth_up = False
    for name, rs in by_name.items():
        auth = not delegated(name)
        auth_up = auth_up or auth
        if denial.nsec3:
            ordername = denial.hash(name) if name in nsec3set else None
        elif denial.secured:
            ordername = nsec_ordername(name, zone)
        else:
            ordername = None
        stored = db_name(name)
        for r in dict.fromkeys(rs):
            o, a = ordername, auth
            if r.type == "DS":
                a = True
            elif not auth and (r.type in ("A", "AAAA") or (
                    r.type == "NS" and denial.opt_out and name not in dsnames)):
                o = None
            rows.append(Row(stored, r.type, r.content, r.ttl, 0, o, int(a)))
        cur = name
        while ent_root is not None and cur != zone and cur != ".":
            cur = parent(cur)
            if not is_at_or_below(cur, ent_root):
                break
            if cur in by_name or cur == zone:
                continue
            nonterm[cur] = nonterm.get(cur, False) or auth

    for name, auth in nonterm.items():
        rows.append(ent_row(name, denial, auth, name in nsec3set))
    return Rectified(rows, auth_up, nsec3_up)


def row_key(row: Row) -> tuple:
    """A total order on rows (None sorts first) for comparing row sets."""
    return tuple((v is not None, v if v is not None else 0) for v in row)
