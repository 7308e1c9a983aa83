"""zone verify: AXFR through dnssec-verify and ldns-verify-zone, delv, live spot checks."""

from __future__ import annotations

import shutil

import pytest
from zonegen_helpers import POLICIES, make_spec, tricky_delegations

from zonegen.model import Delegation
from zonegen.verify import delv, sample, verify_zone
from zonegen.writer import OwnerChange, ZoneWriter
from zonegen.zones import ensure_zone, parent_records

pytestmark = pytest.mark.pdns


@pytest.fixture(autouse=True)
def _tools() -> None:
    for tool in ("dig", "dnssec-verify", "ldns-verify-zone", "delv"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (bind9-dnsutils, bind9-utils, ldnsutils)")


def _published(api, db, zone: str, policy: str) -> tuple:
    spec = make_spec(zone, POLICIES[policy])
    ensure_zone(api, spec)
    dels = tricky_delegations(zone)
    ZoneWriter(db, api.flush_cache).write(spec, [OwnerChange(d.name, d) for d in dels])
    return spec, dels


@pytest.mark.parametrize("policy", ["nsec3-optout", "nsec", "nsec3-salted"])
def test_published_zone_verifies(pdns, api, db, zone_name, tmp_path, policy) -> None:
    _spec, dels = _published(api, db, zone_name, policy)
    keys = parent_records(api, zone_name)
    report = verify_zone(zone_name, server="127.0.0.1", port=pdns.settings.port,
                         denial=db.domain(zone_name).denial, workdir=tmp_path,
                         samples=dels, ksk_dnskeys=keys.dnskey)
    assert report.ok, report.text()
    assert {"dnssec-verify", "ldns-verify-zone"} <= set(report.passed)
    assert any(p.startswith("delv") and p.endswith("fully validated") for p in report.passed)
    assert report.records > 30


def test_delv_validates_with_the_ksk_as_only_anchor(pdns, api, db, zone_name, tmp_path) -> None:
    _spec, dels = _published(api, db, zone_name, "nsec3-optout")
    ksk = parent_records(api, zone_name).dnskey
    signed = next(d for d in dels if d.ds)
    unsigned = next(d for d in dels if not d.ds)
    port = pdns.settings.port
    ok, out = delv("127.0.0.1", port, zone_name, ksk, signed.name, "DS", tmp_path)
    assert ok, out
    ok, out = delv("127.0.0.1", port, zone_name, ksk, unsigned.name, "DS", tmp_path)
    assert ok and "negative response" in out, out
    # a wrong anchor must fail: delv really validates
    other = api.cryptokeys(zone_name)
    zsk_as_anchor = [k["dnskey"] for k in other if k["flags"] == 256]
    ok, out = delv("127.0.0.1", port, zone_name,
                   [z.replace("256 3", "257 3", 1) for z in zsk_as_anchor], zone_name, "SOA",
                   tmp_path)
    assert not ok


def test_verify_catches_unrectified_glue_that_axfr_hides(pdns, api, db, zone_name,
                                                         tmp_path) -> None:
    """AXFR rectifies in memory, so only the live checks see signed glue."""
    _spec, dels = _published(api, db, zone_name, "nsec3-optout")
    info = db.domain(zone_name)
    db.execute("UPDATE records SET auth = 1 WHERE domain_id = ? AND name = ? AND type = 'A'",
               (info.id, f"ns1.a.{zone_name}".rstrip(".")))
    api.flush_cache(zone_name)
    wrong_ns = Delegation(f"f.{zone_name}", ("ns.example.net.",))
    report = verify_zone(zone_name, server="127.0.0.1", port=pdns.settings.port,
                         denial=info.denial, workdir=tmp_path, samples=[*dels, wrong_ns])
    assert not report.ok
    assert any("glue ns1.a." in f and "RRSIG" in f for f in report.faults), report.text()
    assert any(f.startswith(f"f.{zone_name}: NS") for f in report.faults), report.text()


def test_sample_is_uniform_and_bounded() -> None:
    items = [Delegation(f"d{i}.example.", ("ns.example.net.",)) for i in range(1000)]
    picked = sample(iter(items), 10, seed=1)
    assert len(picked) == 10 and len({d.name for d in picked}) == 10
    assert picked != items[:10]
