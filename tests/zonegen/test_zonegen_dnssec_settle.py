"""settle_dnssec against a live PowerDNS: cached keys and metadata give way to the stored ones.

The race it cures (a query caching metadata it read just before a change) cannot be timed
from a test, so the test makes the same state on purpose: PowerDNS caches the zone's NSEC3
parameters, then the database changes under it, as if the cached read had come just before
the write.
"""

from __future__ import annotations

import pytest
from zonegen_helpers import make_spec

from zonegen.model import DnssecPolicy
from zonegen.zones import RELOAD_METADATA, ensure_zone, settle_dnssec

pytestmark = pytest.mark.pdns


def _answer(probe, zone: str, rdtype: str) -> list[str]:
    reply = probe.query(zone, rdtype, dnssec=False)
    return sorted(rd.to_text() for rrset in reply.answer for rd in rrset)


def _zsk_published(probe, zone: str) -> bool:
    return any(key.split()[0] == "256" for key in _answer(probe, zone, "DNSKEY"))


def test_settle_serves_the_stored_keys_and_nsec3_parameters_not_the_cached_ones(
        api, db, probe, zone_name) -> None:
    ensure_zone(api, make_spec(zone_name), settle=0)
    # now in PowerDNS's caches (served with flags 0: opt-out is for NSEC3 records only)
    assert _answer(probe, zone_name, "NSEC3PARAM") == ["1 0 0 -"]
    assert _zsk_published(probe, zone_name)
    soa = _answer(probe, zone_name, "SOA")
    domain_id = db.domain(zone_name).id
    with db.transaction():
        db.execute("UPDATE domainmetadata SET content = '1 1 0 ab' WHERE kind = 'NSEC3PARAM' "
                   "AND domain_id = ?", (domain_id,))
        db.execute("UPDATE cryptokeys SET published = 0 WHERE flags = 256 AND domain_id = ?",
                   (domain_id,))
    api.flush_cache(zone_name)
    # the packet cache is gone, the key and metadata caches are not: the race's stale state
    assert _answer(probe, zone_name, "NSEC3PARAM") == ["1 0 0 -"]
    assert _zsk_published(probe, zone_name)

    settle_dnssec(api, zone_name, delay=0)

    assert _answer(probe, zone_name, "NSEC3PARAM") == ["1 0 0 ab"]
    assert not _zsk_published(probe, zone_name)
    assert _answer(probe, zone_name, "SOA") == soa  # nothing was changed, not even the serial
    assert api.metadata(zone_name, RELOAD_METADATA) == []


def test_settle_leaves_an_unsigned_zone_unsigned(api, probe, zone_name) -> None:
    ensure_zone(api, make_spec(zone_name, DnssecPolicy(enabled=False)))  # nothing to settle
    settle_dnssec(api, zone_name, delay=0)
    assert _answer(probe, zone_name, "DNSKEY") == []
    assert _answer(probe, zone_name, "SOA") != []
