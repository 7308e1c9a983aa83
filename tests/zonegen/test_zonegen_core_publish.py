"""The real core publishes through zonegen: core flows -> outbox -> drainer over CoreState ->
PowerDNS, checked with live queries, on the registry's SQLite and on MariaDB."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time

import pytest
from zonegen_core_world import (
    CoreWorld,
    ds_text,
    ds_value,
    mariadb_database,
)
from zonegen_helpers import need_pdns

from registry.db import Database, make_engine
from registry.events.store import RegistryEvents
from registry.flows.context import Actor
from registry.hosted_records import RRset
from registry.service import Registry
from registry.values import DsData, HostAddress, KeyDataValue
from tests.db_proxy import DbProxy
from tests.sql_log import statements
from zonegen.core_state import CoreState
from zonegen.drainer import OutboxDrainer
from zonegen.hosted import HostedZones
from zonegen.pdnsdb import PdnsDb
from zonegen.sync import ZoneSync
from zonegen.verify import delv, verify_zone

pytestmark = pytest.mark.pdns

DS_A = DsData(12345, 13, 2, "AB" * 32)
DS_B = DsData(54321, 8, 4, "CD" * 48)
# an ECDSA P-256 public key (64 bytes), as a registrar sends it in keyData
P256_KEY = ("GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQL"
            "c8NAA==")


@pytest.fixture
def core(core_database, pdns, zone_name):
    need_pdns()
    c = CoreWorld.create(core_database, pdns, zone_name.rstrip("."))
    yield c
    c.close()


def v4(*addresses: str) -> tuple[HostAddress, ...]:
    return tuple(HostAddress(a, "v4") for a in addresses)


def dsfromkey(owner: str, dnskey: str) -> str:
    """BIND's dnssec-dsfromkey: an implementation independent of the core's."""
    proc = subprocess.run(["dnssec-dsfromkey", "-2", "-f", "-", owner], capture_output=True,
                          text=True, input=f"{owner} 3600 IN DNSKEY {dnskey}\n", timeout=30)
    assert proc.returncode == 0, proc.stderr
    fields = proc.stdout.split()
    i = fields.index("DS")
    return " ".join([*fields[i + 1:i + 4], "".join(fields[i + 4:]).lower()])


def live_ds(core: CoreWorld, name: str) -> list[str]:
    """The DS set the TLD answers (a DS query: the child may be on this server too)."""
    reply = core.probe().query(name + ".", "DS")
    return sorted(f"{r.key_tag} {r.algorithm} {r.digest_type} {r.digest.hex()}"
                  for rrset in reply.answer if rrset.rdtype == 43 for r in rrset)


def test_core_flows_are_published_live(core: CoreWorld, tmp_path) -> None:
    t = core.tld
    assert core.drain().synced == [core.zone]           # the TLD's settings: a full sync
    ext = core.external_hosts()
    plain = core.domain("plain", ns=ext)
    signed = core.domain("signed", ns=ext, ds=(DS_A, DS_B))
    keyed = core.domain("keyed", ns=ext[:1], keys=(KeyDataValue(257, 3, 13, P256_KEY),))
    glue = core.domain("glue")                         # no NS yet: not delegated
    empty = core.domain("empty")
    core.drain()
    assert core.expected(glue) is None and core.expected(empty) is None
    for name in (plain, signed, keyed, glue, empty, f"never.{t}"):
        assert core.faults(name) == [], name

    # in-bailiwick name servers: glue (v4 and v6) only in their own domain's delegation
    ns1 = core.host(f"ns1.{glue}", "192.0.2.1", "2001:db8::1")
    ns2 = core.host(f"ns2.{glue}", "192.0.2.2")
    core.update(glue, add_nameservers=(ns1, ns2))
    sibling = core.domain("sibling", ns=(ns1, ext[0]))
    core.drain()
    d = core.expected(glue)
    assert d.glue_map == {f"ns1.{glue}.": ("192.0.2.1", "2001:db8::1"),
                          f"ns2.{glue}.": ("192.0.2.2",)}
    assert core.expected(sibling).glue == ()            # narrow glue
    for name in (glue, sibling):
        assert core.faults(name) == [], name
    # the DS the core derived from keyData is the one BIND derives from the same key
    assert live_ds(core, keyed) == [dsfromkey(keyed + ".", f"257 3 13 {P256_KEY}")]
    assert live_ds(core, signed) == sorted(ds_text(x) for x in (DS_A, DS_B))

    # a host change republishes its superordinate domain's glue
    core.update_host(ns2, add_addresses=v4("192.0.2.22"), rem_addresses=v4("192.0.2.2"))
    core.drain()
    assert core.expected(glue).glue_map[f"ns2.{glue}."] == ("192.0.2.22",)
    assert core.faults(glue) == []

    # a rename into another domain: glue follows the host to its new superordinate domain,
    # and every delegation using it points at the new name
    moved = f"ns1.{sibling}"
    core.update_host(ns1, new_name=moved)
    core.drain()
    assert core.expected(glue).nameservers == (f"{moved}.", f"ns2.{glue}.")
    assert core.expected(glue).glue_map == {f"ns2.{glue}.": ("192.0.2.22",)}
    assert core.expected(sibling).glue_map == {f"{moved}.": ("192.0.2.1", "2001:db8::1")}
    for name in (glue, sibling):
        assert core.faults(name) == [], name

    # holds: clientHold by the registrar, serverHold by an operator
    core.update(plain, add_statuses=("clientHold",))
    core.update(signed, actor=Actor.operator("test"), add_statuses=("serverHold",))
    core.update(keyed, ds_rem=(), key_rem=(KeyDataValue(257, 3, 13, P256_KEY),))
    core.drain()
    assert core.expected(plain) is None and core.expected(signed) is None
    for name in (plain, signed):
        assert core.faults(name, None) == [], name
    assert core.expected(keyed).ds == () and core.faults(keyed) == []  # opt-out proof again
    core.update(plain, rem_statuses=("clientHold",))
    core.update(signed, actor=Actor.operator("test"), rem_statuses=("serverHold",))
    core.drain()
    for name in (plain, signed):
        assert core.expected(name) is not None and core.faults(name) == [], name

    # deletion: in add grace the name goes at once; later it goes to redemption, can be
    # restored, and is purged by the lifecycle scheduler
    quick = core.domain("quick", ns=ext)
    core.drain()
    assert core.faults(quick) == [] and core.expected(quick) is not None
    assert core.delete(quick) == 1000
    core.advance(days=6)                               # add grace over for the others
    assert core.delete(plain) == 1001
    core.drain()
    assert core.domain_state(quick) is None and core.domain_state(plain) == "redemption"
    for name in (quick, plain):
        assert core.faults(name, None) == [], name
    assert core.restore_request(plain) == "pending_restore"
    core.drain()                                       # pendingRestore: still not in DNS
    assert core.faults(plain, None) == []
    core.restore_report(plain)
    core.drain()
    assert core.expected(plain) is not None and core.faults(plain) == []
    assert core.delete(plain) == 1001
    core.update(sibling, rem_nameservers=(ext[0],))    # one NS left: still delegated
    core.drain()
    core.advance(days=36)                              # redemption 30 + pendingDelete 5
    assert core.domain_state(plain) == "redemption"    # nothing touched it yet
    assert core.run_lifecycle().domains >= 1
    assert core.domain_state(plain) is None            # purged
    core.drain()
    assert core.faults(plain, None) == []

    # DNS holds exactly what the database says: every row, every delegation live
    db = PdnsDb.open(core.pdns.settings)
    try:
        spec = core.state.zone_spec(core.zone)
        dry = ZoneSync(db).sync(spec, core.state.delegations(core.zone), dry_run=True)
        assert (dry.inserted, dry.deleted) == (0, 0)
    finally:
        db.close()
    published = list(core.state.delegations(core.zone))
    assert sorted(d.name for d in published) == sorted(
        f"{n}." for n in (signed, keyed, glue, sibling))
    report = verify_zone(core.zone, server="127.0.0.1", port=core.pdns.settings.port,
                         denial=core.denial, workdir=tmp_path / "verify", samples=published,
                         ksk_dnskeys=core.ksk())
    assert report.ok, report.text()
    assert {"dnssec-verify", "ldns-verify-zone"} <= set(report.passed), report.text()
    assert f"delv {signed}. DS: fully validated" in report.passed, report.text()


def test_keydata_gives_a_chain_delv_validates(core: CoreWorld, tmp_path) -> None:
    """A child zone signed by PowerDNS; the registrar gives its KSK as keyData; the DS the
    core derives makes the chain from the TLD's KSK to the child's data validate."""
    if not shutil.which("delv"):
        pytest.skip("delv is not installed (bind9-dnsutils)")
    ext = core.external_hosts()
    child = core.domain("child", ns=ext)
    hosted = HostedZones(core.pdns.api())
    hosted.create(child + ".", ext, rrsets=[RRset("www", "A", 300, ("192.0.2.80",))])
    ksk = hosted.sign(child + ".").dnskey
    assert len(ksk) == 1
    flags, protocol, algorithm, key = ksk[0].split(None, 3)
    core.drain()
    ok, out = delv("127.0.0.1", core.pdns.settings.port, core.zone, core.ksk(),
                   f"www.{child}.", "A", tmp_path)
    assert not ok, "validated without a DS: the test proves nothing"    # insecure delegation
    core.update(child, key_add=(KeyDataValue(int(flags), int(protocol), int(algorithm), key),))
    core.drain()
    assert live_ds(core, child) == [dsfromkey(child + ".", ksk[0])]
    ok, out = delv("127.0.0.1", core.pdns.settings.port, core.zone, core.ksk(),
                   f"www.{child}.", "A", tmp_path)
    assert ok, out
    # a wrong DS (another key's) breaks the chain: delv must say so
    core.update(child, dnssec_rem_all=True, ds_add=(ds_value("1 13 2 " + "ab" * 32),))
    core.drain()
    ok, out = delv("127.0.0.1", core.pdns.settings.port, core.zone, core.ksk(),
                   f"www.{child}.", "A", tmp_path)
    assert not ok, out


def test_a_domain_holding_the_tld_name_servers_is_reported(core: CoreWorld) -> None:
    """The core reserves nic.<tld> when the TLD's own name server ns1.nic.<tld> lives there;
    should an operator lift that reservation and the name be registered, zonegen cannot
    delegate it and must say so, not skip it."""
    from sqlalchemy import delete

    from registry.admin.events import list_events
    from registry.models import ReservedName

    core.registry.run(lambda ctx: ctx.session.execute(
        delete(ReservedName).where(ReservedName.label == "nic")))
    core.drain()
    errors: list[str] = []
    core.drainer.on_error = lambda entry, message: errors.append(message)
    ext = core.external_hosts()
    nic = core.domain("nic", ns=ext)
    other = core.domain("other", ns=ext)
    assert core.expected(nic) is not None                # the registry says: delegate it
    report = core.drainer.run_until_idle()
    assert report.errors == errors and len(errors) == 1
    assert f"{nic}. would hide the zone's own name server ns1.{nic}." in errors[0]
    # a counted failure, backing off (then dead-lettered for an operator), not blocking
    [failed] = core.world.task(list_events)
    assert (failed.payload["owner"], failed.attempts, failed.last_error) == (nic, 1, errors[0])
    assert failed.not_before > core.clock.now() and failed.dead_at is None
    assert core.faults(other) == []
    reply = core.probe().query(f"ns1.{nic}.", "A", dnssec=False)
    assert [r.address for r in reply.answer[0]] == ["192.0.2.53"]   # the TLD still works


def test_tld_settings_change_resyncs_the_zone(core: CoreWorld) -> None:
    """``set_dns_settings`` emits an event for the TLD itself: the drainer reconciles the
    whole zone (apex name servers, denial), and the delegations stay right."""
    core.drain()
    ext = core.external_hosts()
    names = [core.domain("one", ns=ext), core.domain("two", ns=ext[:1], ds=(DS_A,))]
    core.drain()
    assert core.denial.nsec3                             # NSEC3 (opt-out) by default
    core.configure_dns((f"a.nic.{core.tld}=192.0.2.61", f"b.nic.{core.tld}=192.0.2.62"),
                       dnssec="nsec")
    report = core.drain()
    assert report.synced == [core.zone]
    reply = core.probe().query(core.zone, "NS", dnssec=False)
    assert sorted(r.target.to_text() for r in reply.answer[0]) == [
        f"a.nic.{core.zone}", f"b.nic.{core.zone}"]
    assert not core.denial.nsec3
    for name in names:                                   # NSEC proofs now, signed
        assert core.faults(name) == [], name
    assert core.faults(f"never.{core.tld}", None) == []


def test_a_pass_reads_its_owners_in_one_snapshot(core: CoreWorld) -> None:
    """#14: a pass of many events reads the registry's delegations once (one read-only
    snapshot, four queries), not once per owner, and each is published as before: DS and
    keyData, glue of a host's superordinate domain, a hold, a domain without NS."""
    core.drain()
    ext = core.external_hosts()
    names = [core.domain(f"batch{i}", ns=ext, ds=(DS_A,) if i % 2 else ()) for i in range(6)]
    keyed = core.domain("keyed", ns=ext[:1], keys=(KeyDataValue(257, 3, 13, P256_KEY),))
    glue = core.domain("glue")
    ns1 = core.host(f"ns1.{glue}", "192.0.2.1")
    core.update(glue, add_nameservers=(ns1, ext[0]))
    core.update_host(ns1, add_addresses=v4("192.0.2.11"))      # an event for the host
    held = core.domain("held", ns=ext)
    core.update(held, add_statuses=("clientHold",))
    bare = core.domain("bare")
    with statements() as sent:
        report = core.drain()
    assert report.processed >= 12
    assert len([s for s in sent if "domain_hosts" in s]) == 1, sent
    assert core.expected(glue).glue_map == {f"ns1.{glue}.": ("192.0.2.1", "192.0.2.11")}
    assert live_ds(core, keyed) == [dsfromkey(keyed + ".", f"257 3 13 {P256_KEY}")]
    assert core.expected(held) is None and core.expected(bare) is None
    for name in (*names, keyed, glue, held, bare):
        assert core.faults(name) == [], name


@pytest.mark.mariadb
def test_the_drainer_survives_the_registry_database_going_away(mariadb_migrated, pdns,
                                                               zone_name):
    """#13: a MariaDB restart showed as SQLAlchemy's OperationalError (2013), which the
    drainer's retry list did not name: its thread died and DNS publication stopped for good
    while ``zone serve`` lived on. Now the outage is waited out and publication resumes."""
    need_pdns()
    core = CoreWorld.create(mariadb_database(mariadb_migrated), pdns, zone_name.rstrip("."))
    proxy = DbProxy()
    # zonegen's registry reaches MariaDB through a proxy the test faults; the EPP side does not
    zonegen_side = Registry(Database(make_engine(proxy.url(mariadb_migrated))), core.clock)
    died = []
    drainer = OutboxDrainer(RegistryEvents(zonegen_side), CoreState(zonegen_side),
                            lambda: PdnsDb.open(pdns.settings), pdns.api(), reflush_delays=(),
                            poll_interval=0.05, max_backoff=0.1, on_fatal=died.append)
    ext = core.external_hosts()
    core.drain()                                         # the zone is there before the test
    stop = threading.Event()
    thread = threading.Thread(target=drainer.run, args=(stop,), daemon=True)
    thread.start()

    def published(name: str) -> None:
        deadline = time.monotonic() + 30
        while core.faults(name):
            assert time.monotonic() < deadline and not died, (name, died)
            time.sleep(0.05)

    try:
        published(core.domain("before", ns=ext))
        # the drainer's next claim loses its connection, then MariaDB refuses new ones
        fault = proxy.arm("before", r"SELECT\s.*\sFROM events\s.*", then_refuse=True)
        during = core.domain("during", ns=ext)
        assert fault.struck.wait(30)
        time.sleep(0.5)   # let it fail a few more times (nothing asserted on timing)
        assert thread.is_alive() and not died
        assert core.faults(during) != []                 # not published: the core is away
        proxy.refuse.clear()
        published(during)
        assert thread.is_alive() and not died
    finally:
        stop.set()
        drainer.wake()
        thread.join(10)
        drainer.close()
        proxy.close()
        zonegen_side.close()
        core.close()
