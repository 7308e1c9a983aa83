"""Launch phases and the TMCH in the core (RST minimumRPMs-01..03): claims checks against
the DNL, sunrise creates with signed marks checked against a test TMCH, claims creates with
acknowledged notices, the SMD revocation list, CRLs and LORDN files."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from registry.errors import EppError
from registry.flows.claims_check import ClaimsCheck
from registry.flows.domain_create import DomainCreate
from registry.launch.create import ClaimsNotice, LaunchCreate
from registry.launch.phases import set_phase
from registry.launch.tmch_data import import_ca, import_crl, import_dnl, import_smdrl, lordn
from registry.models import LordnEntry
from tests.core.db_state import refused
from tests.core.world import START, STRONG
from tests.launch.tmch_kit import TmchKit, dnl, notice_id, smdrl


@pytest.fixture
def tmch(world, tld) -> TmchKit:
    kit = TmchKit(START)
    world.task(lambda ctx: (import_ca(ctx, kit.ca_pem), import_crl(ctx, kit.crl()),
                            import_dnl(ctx, dnl(("example-one", "2013041500/2/6/9/rJ1NrDO92vDs"
                                                 "AzfgeCCnwYRVf10000002")))))
    return kit


def phase(world, name, days=30, **kwargs):
    world.task(lambda ctx: set_phase(ctx, "example", name, START - timedelta(days=1),
                                     START + timedelta(days=days), **kwargs))


def sunrise(encoded: str, phase_name: str = "sunrise") -> LaunchCreate:
    return LaunchCreate(phase_name, encoded_smds=(encoded,))


def create(name: str, launch: LaunchCreate | None = None) -> DomainCreate:
    return DomainCreate(name, authinfo=STRONG, launch=launch)


def entries(world):
    return world.task(lambda ctx: [(e.kind, e.domain_name, e.mark_ref) for e in
                                   ctx.session.query(LordnEntry).order_by(LordnEntry.id)])


# --- claims check (minimumRPMs-01) -----------------------------------------------------------

def test_claims_check_returns_the_claim_key_of_dnl_labels_only(world, alice, tmch):
    result = world.run(ClaimsCheck(("example-one.example", "other.example", "bad..name")),
                       alice).result
    keys = {c.name: (c.exists, c.key) for c in result.names}
    assert keys == {"example-one.example": (True, "2013041500/2/6/9/rJ1NrDO92vDsAzfgeCCnwYRVf"
                                                  "10000002"),
                    "other.example": (False, None), "bad..name": (False, None)}


# --- sunrise (minimumRPMs-02) ------------------------------------------------------------------

def test_sunrise_create_with_a_valid_smd(world, alice, tmch):
    phase(world, "sunrise")
    world.run(create("example-one.example", sunrise(tmch.encoded("1-2", ("example-one",)))),
              alice)
    assert entries(world) == [("sunrise", "example-one.example", "1-2")]
    # first come, first served: the next holder of a valid SMD finds the name taken
    refused(world, 2302, create("example-one.example",
                                sunrise(tmch.encoded("1-3", ("example-one",)))), alice)


def test_sunrise_needs_a_signed_mark(world, alice, tmch):
    phase(world, "sunrise")
    error = refused(world, 2003, create("example-one.example"), alice)
    assert "sunrise" in error.reason and "signed mark" in error.reason
    refused(world, 2306, create("example-one.example", LaunchCreate("claims")), alice)


@pytest.mark.parametrize("case", [
    "bad signature", "revoked smd", "revoked certificate", "expired mark",
    "label not in mark", "other ca", "not yet valid",
])
def test_sunrise_refusals(world, alice, tmch, case):
    phase(world, "sunrise")
    encoded = tmch.encoded("1-2", ("example-one",))
    expected = "does not verify"
    if case == "bad signature":
        data = base64.b64decode(encoded).replace(b"Example Inc.", b"Evil Inc.")
        encoded = base64.b64encode(data).decode()
    elif case == "revoked smd":
        world.task(lambda ctx: import_smdrl(ctx, smdrl("1-2")))
        expected = "revoked (SMD revocation list)"
    elif case == "revoked certificate":
        world.task(lambda ctx: import_crl(ctx, tmch.crl(1000)))
        expected = "certificate has been revoked"
    elif case == "expired mark":
        encoded = tmch.encoded("1-2", ("example-one",), not_before=START - timedelta(days=400))
        expected = "not now"
    elif case == "not yet valid":
        encoded = tmch.encoded("1-2", ("example-one",), not_before=START + timedelta(days=1))
        expected = "not now"
    elif case == "label not in mark":
        encoded = tmch.encoded("1-2", ("something-else",))
        expected = "does not cover the label example-one"
    elif case == "other ca":
        encoded = TmchKit(START, "Another CA").encoded("1-2", ("example-one",))
        expected = "not issued by the TMCH CA"
    error = refused(world, 2306, create("example-one.example", sunrise(encoded)), alice)
    assert expected in error.reason, error.reason
    assert entries(world) == []


def test_sunrise_without_a_tmch_ca_is_refused_clearly(world, alice):
    phase(world, "sunrise")
    error = refused(world, 2306, create("example-one.example", sunrise("AAAA")), alice)
    assert "no TMCH CA" in error.reason


def test_a_crl_must_come_from_the_tmch_ca(world, tmch):
    with pytest.raises(EppError) as info:
        world.task(lambda ctx: import_crl(ctx, TmchKit(START, "Other").crl()))
    assert "not signed by the TMCH CA" in info.value.reason


# --- claims (minimumRPMs-03) -------------------------------------------------------------------

def notice(label="example-one", not_after=None, accepted=None, **kwargs) -> ClaimsNotice:
    not_after = not_after or START + timedelta(days=1)
    return ClaimsNotice(kwargs.get("notice_id") or notice_id(label, not_after), not_after,
                        accepted or START - timedelta(hours=1))


def test_claims_create_with_an_acknowledged_notice(world, alice, tmch):
    phase(world, "claims", days=90)
    refused(world, 2003, create("example-one.example"), alice)
    world.run(create("example-one.example", LaunchCreate("claims", notices=(notice(),))), alice)
    world.run(create("not-a-mark.example"), alice)  # not on the DNL: no notice needed
    (kind, name, ref), = entries(world)
    assert (kind, name) == ("claims", "example-one.example") and len(ref) == 27


@pytest.mark.parametrize(("bad", "expected"), [
    ({"notice_id": "deadbeef2013071900000000001"}, "checksum"),
    ({"notice_id": "short"}, "is not a TMCH notice id"),
    ({"label": "other-label"}, "checksum"),  # a notice for another label
    ({"not_after": START - timedelta(minutes=1),
      "accepted": START - timedelta(hours=2)}, "expired"),
    ({"accepted": START - timedelta(days=366)}, "more than 48 hours ago"),
    ({"accepted": START + timedelta(hours=1)}, "in the future"),
])
def test_claims_notice_refusals(world, alice, tmch, bad, expected):
    phase(world, "claims", days=90)
    error = refused(world, 2306, create("example-one.example", LaunchCreate(
        "claims", notices=(notice(**bad),))), alice)
    assert expected in error.reason, error.reason


# --- LORDN ---------------------------------------------------------------------------------

def test_lordn_files_report_each_registration_once(world, alice, tmch):
    phase(world, "sunrise")
    world.run(create("example-one.example", sunrise(tmch.encoded("1-2", ("example-one",)))),
              alice)
    tld_row = world.task(lambda ctx: ctx.policy.tld(ctx.session, "example"))
    text = world.task(lambda ctx: lordn(ctx, tld_row, "sunrise", "PYRAR"))
    lines = text.splitlines()
    assert lines[0].startswith("1,") and lines[0].endswith(",1")
    assert lines[1] == ("roid,domain-name,SMD-id,registrar-id,registration-datetime,"
                        "application-datetime")
    roid, name, smd_id, registrar, when, application = lines[2].split(",")
    assert (roid.endswith("-PYRAR"), name, smd_id, registrar, application) == (
        True, "example-one.example", "1-2", "9999", "")
    assert when == f"{START:%Y-%m-%dT%H:%M:%S}.0Z"
    again = world.task(lambda ctx: lordn(ctx, tld_row, "sunrise", "PYRAR"))
    assert again.splitlines()[0].endswith(",0") and len(again.splitlines()) == 2
