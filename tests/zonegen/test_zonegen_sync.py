"""Full reconcile: only differences are written, strays are removed, settings changes apply."""

from __future__ import annotations

import pytest
from zonegen_helpers import (
    DS1,
    POLICIES,
    assert_rectify_changes_nothing,
    make_spec,
    tricky_delegations,
    zone_rows,
)

from zonegen.model import Delegation, ZoneSpec
from zonegen.probe import check_delegation
from zonegen.sync import ZoneSync
from zonegen.zones import ensure_zone

pytestmark = pytest.mark.pdns


def test_sync_sends_only_differences(pdns, api, db, probe, zone_name) -> None:
    z = zone_name
    spec = make_spec(z)
    ensure_zone(api, spec)
    sync = ZoneSync(db, api.flush_cache)
    dels = [Delegation(f"d{i}.{z}", (f"ns1.d{i}.{z}",), {f"ns1.d{i}.{z}": [f"192.0.2.{i}"]})
            for i in range(1, 21)]
    stages = []
    first = sync.sync(spec, dels, progress=lambda stage, done, total: stages.append(stage))
    assert first.delegations == 20 and first.inserted == 40 and first.deleted == 0
    assert {"load", "compare", "apply"} <= set(stages)

    again = sync.sync(spec, dels)
    assert (again.inserted, again.deleted, again.serial) == (0, 0, None)

    # one removed, one added, one gains a DS
    dels2 = [*dels[1:], Delegation(f"new.{z}", ("ns.example.net.",))]
    dels2[0] = Delegation(dels2[0].name, dels2[0].nameservers, dels2[0].glue, (DS1,))
    third = sync.sync(spec, dels2)
    # d1 (NS + A) gone; d2's NS changes ordername/auth with a DS (NS row rewritten) + DS row
    assert third.deleted == 2 + 1
    assert third.inserted == 1 + 1 + 1
    assert third.serial > first.serial
    info = db.domain(z)
    assert check_delegation(probe, z, info.denial, dels2[0].name, dels2[0]) == []
    assert check_delegation(probe, z, info.denial, dels[0].name, None) == []
    assert_rectify_changes_nothing(pdns, db, z)


def test_sync_removes_strays_and_fixes_unrectified_rows(pdns, api, db, zone_name) -> None:
    z = zone_name
    spec = make_spec(z)
    ensure_zone(api, spec)
    dels = tricky_delegations(z)
    ZoneSync(db).sync(spec, dels)
    wanted = zone_rows(db, z)
    info = db.domain(z)
    # damage: a stray record, a lost ordername, a wrong auth flag, a disabled row
    db.execute("INSERT INTO records (domain_id, name, type, content, ttl, prio, auth, "
               "disabled) VALUES (?, ?, 'TXT', '\"stray\"', 60, 0, 1, 0)",
               (info.id, f"stray.{z}".rstrip(".")))
    db.execute("UPDATE records SET ordername = NULL WHERE domain_id = ? AND type = 'DS'",
               (info.id,))
    db.execute("UPDATE records SET auth = 1 WHERE domain_id = ? AND type = 'A' AND name = ?",
               (info.id, f"ns1.a.{z}".rstrip(".")))
    db.execute("INSERT INTO records (domain_id, name, type, content, ttl, prio, auth, "
               "disabled) VALUES (?, ?, 'A', '192.0.2.99', 60, 0, 1, 1)",
               (info.id, f"off.{z}".rstrip(".")))
    result = ZoneSync(db).sync(spec, dels)
    assert result.deleted >= 4 and result.inserted >= 3
    assert [r for r in zone_rows(db, z) if r.type != "SOA"] == \
        [r for r in wanted if r.type != "SOA"]


def test_dry_run_changes_nothing(api, db, zone_name) -> None:
    spec = make_spec(zone_name)
    ensure_zone(api, spec)
    before = zone_rows(db, zone_name)
    result = ZoneSync(db).sync(spec, tricky_delegations(zone_name), dry_run=True)
    assert result.inserted > 0 and result.serial is None
    assert zone_rows(db, zone_name) == before


def test_zone_settings_changes_are_reconciled(pdns, api, db, probe, zone_name) -> None:
    """Apex NS set, SOA timers and even the denial method (NSEC3 -> NSEC) follow the spec."""
    z = zone_name
    spec = make_spec(z)
    ensure_zone(api, spec)
    dels = tricky_delegations(z)
    ZoneSync(db, api.flush_cache).sync(spec, dels)

    spec2 = ZoneSpec(z, (f"ns1.nic.{z}", f"ns2.nic.{z}"),
                        {f"ns1.nic.{z}": ["127.0.0.1"], f"ns2.nic.{z}": ["127.0.0.2"]},
                        refresh=1234, dnssec=POLICIES["nsec"])
    ensure_zone(api, spec2)
    result = ZoneSync(db, api.flush_cache).sync(spec2, dels)
    assert result.changed
    soa = probe.query(z, "SOA", dnssec=False).answer[0][0]
    assert soa.refresh == 1234 and soa.serial == result.serial
    ns = probe.query(z, "NS", dnssec=False).answer[0]
    assert sorted(r.target.to_text() for r in ns) == [f"ns1.nic.{z}", f"ns2.nic.{z}"]
    assert_rectify_changes_nothing(pdns, db, z)
    info = db.domain(z)
    assert not info.denial.nsec3
    for d in dels:
        assert check_delegation(probe, z, info.denial, d.name, d) == []
