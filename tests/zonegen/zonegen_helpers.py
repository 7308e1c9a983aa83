"""Zone data shaped to hit every rectify rule, and PowerDNS-side checks."""

from __future__ import annotations

import shutil
import socket
import subprocess

import pytest

from zonegen.model import Delegation, DnssecPolicy, ZoneSpec
from zonegen.pdnsdb import PdnsDb
from zonegen.rectify import Row, row_key
from zonegen.server import ManagedPowerDns

DS1 = "12345 13 2 " + "ab" * 32
DS2 = "54321 8 4 " + "cd" * 48

POLICIES = {
    "nsec3-optout": DnssecPolicy(),
    "nsec3": DnssecPolicy(nsec3param="1 0 0 -"),
    "nsec3-salted": DnssecPolicy(nsec3param="1 1 2 c0ffee", keys="csk"),
    "nsec": DnssecPolicy(denial="nsec"),
    "unsigned": DnssecPolicy(enabled=False),
}


def make_spec(zone: str, policy: DnssecPolicy | None = None, **kw) -> ZoneSpec:
    return ZoneSpec(zone, (f"ns1.nic.{zone}", "ns.example.net."),
                    {f"ns1.nic.{zone}": ["127.0.0.1", "::1"]},
                    dnssec=policy or DnssecPolicy(), **kw)


def tricky_delegations(z: str) -> list[Delegation]:
    """Plain, signed, multi-label (ENTs above), deep glue (ENTs below), self-named hosts."""
    return [
        Delegation(f"a.{z}", (f"ns1.a.{z}", "ns.example.net."), {f"ns1.a.{z}": ["192.0.2.1"]}),
        Delegation(f"b.{z}", (f"ns1.x.b.{z}",), {f"ns1.x.b.{z}": ["2001:db8::1"]}, (DS1,)),
        Delegation(f"c.co.{z}", ("ns.example.net.",)),
        Delegation(f"d.co.{z}", ("ns.example.net.",), ds=(DS1, DS2)),
        Delegation(f"e.deep.sub.{z}", ("ns.example.net.",)),
        Delegation(f"f.{z}", (f"f.{z}",), {f"f.{z}": ["192.0.2.9", "2001:db8::9"]}),
        Delegation(f"g.h.{z}", (f"g.h.{z}",), {f"g.h.{z}": ["192.0.2.9"]}),
        Delegation(f"i.j.k.{z}", (f"ns.i.j.k.{z}",),
                   {f"ns.i.j.k.{z}": ["192.0.2.7"], f"deep.glue.i.j.k.{z}": ["192.0.2.8"]},
                   (DS1,)),
        Delegation(f"sib.{z}", (f"ns1.a.{z}", f"ns1.sib.{z}"), {f"ns1.sib.{z}": ["192.0.2.3"]}),
    ]


def zone_rows(db: PdnsDb, zone: str) -> list[Row]:
    info = db.domain(zone)
    assert info is not None
    return sorted((r.row for r in db.all_rows(info.id)), key=row_key)


def pdns_rectify(server: ManagedPowerDns, zone: str) -> None:
    proc = subprocess.run(["pdnsutil", f"--config-dir={server.data_dir}", "rectify-zone", zone],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def compare_with_pdns_rectify(server: ManagedPowerDns, db: PdnsDb, zone: str) -> list[Row]:
    """Run PowerDNS's rectify over the zone; every row must stay as zonegen wrote it except
    opt-out ENTs in the NSEC3 chain, where PowerDNS sets auth=0 (see rectify.ent_row).

    Returns those ENT rows, already put back to zonegen's values (call ``restore_ents`` after
    looking at PowerDNS's version instead, with ``restore=False``).
    """
    before = zone_rows(db, zone)
    pdns_rectify(server, zone)
    after = zone_rows(db, zone)
    ours = sorted(set(before) - set(after), key=row_key)
    theirs = sorted(set(after) - set(before), key=row_key)
    known = [r for r in ours if r.type is None and r.ordername and r.auth == 1
             and r._replace(auth=0) in theirs]
    unexplained_ours = [r for r in ours if r not in known]
    unexplained_theirs = [r for r in theirs if r._replace(auth=1) not in known]
    assert (unexplained_ours, unexplained_theirs) == ([], []), \
        f"rows differ from PowerDNS's rectify:\nours:   {unexplained_ours}\n" \
        f"theirs: {unexplained_theirs}"
    return known


def restore_ents(db: PdnsDb, zone: str, ents: list[Row]) -> None:
    info = db.domain(zone)
    for r in ents:
        db.execute("UPDATE records SET auth = 1 WHERE domain_id = ? AND name = ? AND "
                   "type IS NULL", (info.id, r.name))


def assert_rectify_changes_nothing(server: ManagedPowerDns, db: PdnsDb, zone: str) -> None:
    restore_ents(db, zone, compare_with_pdns_rectify(server, db, zone))


def free_port() -> int:
    """A port free for both TCP and UDP on loopback."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port


def need_pdns() -> None:
    if not shutil.which("pdns_server") or not shutil.which("pdnsutil"):
        pytest.skip("PowerDNS is not installed: apt-get install pdns-server "
                    "pdns-backend-sqlite3")


class Clock:
    """A monotonic clock the test moves by hand (``clock.now += 60``)."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
