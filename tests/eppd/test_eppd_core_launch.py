"""launch-1.0 (RFC 8334) through the real server, as RST's minimumRPMs cases drive it:
claims check keys, a sunrise create with an encoded and with an embedded signed mark (test
TMCH generated here), a claims create with an acknowledged notice, and the refusals."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from eppd_core_world import EXTENSIONS, PRICES, STRONG, core_world
from eppd_launch_frames import LAUNCH, launch_create, notice

from registry.admin.tlds import add_tld, set_price
from registry.flows.context import Actor
from registry.launch.phases import set_phase
from tests.launch.tmch_kit import TmchKit, install

KEY = "2013041500/2/6/9/rJ1NrDO92vDsAzfgeCCnwYRVf10000002"
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def world(tmp_path_factory, pki, schema_check):
    with core_world(tmp_path_factory.mktemp("core-launch"), pki, schema_check) as w:
        yield w


@pytest.fixture(scope="module")
def tmch(world) -> TmchKit:
    kit = TmchKit(NOW)

    def work(ctx):
        for tld, phase in (("sunrise", "sunrise"), ("claims", "claims")):
            add_tld(ctx, tld)
            for op, amount in PRICES.items():
                set_price(ctx, tld, op, "USD", amount)
            set_phase(ctx, tld, phase, NOW - timedelta(days=1), NOW + timedelta(days=30))
        install(ctx, kit, (("example-one", KEY),))
    world.registry.run(work, Actor.operator("test"))
    return kit


@pytest.fixture(scope="module")
def epp(world, tmch):
    with world.session("reg1", extensions=(*EXTENSIONS, LAUNCH)) as session:
        yield session


def create(epp, name: str, extension: str):
    return epp.command(f"<create><d:create><d:name>{name}</d:name><d:authInfo><d:pw>{STRONG}"
                       "</d:pw></d:authInfo></d:create></create>", extension)


def test_the_greeting_offers_launch(world):
    epp = world.connect()
    try:
        assert f"<extURI>{LAUNCH}</extURI>" in epp.client.greeting.decode()
    finally:
        epp.close()


def test_claims_check_answers_claim_keys_in_the_extension(epp):
    reply = epp.command(
        "<check><d:check><d:name>example-one.claims</d:name><d:name>free.claims</d:name>"
        "</d:check></check>",
        f'<launch:check xmlns:launch="{LAUNCH}" type="claims"><launch:phase>claims'
        "</launch:phase></launch:check>")
    assert reply.code == 1000, reply
    assert reply.find("e:response/e:resData") is None
    data = reply.ext(f"{{{LAUNCH}}}chkData")
    names = {n.text: n.get("exists") for n in data.iter(f"{{{LAUNCH}}}name")}
    assert names == {"example-one.claims": "1", "free.claims": "0"}
    assert [k.text for k in data.iter(f"{{{LAUNCH}}}claimKey")] == [KEY]


def test_sunrise_create_with_an_encoded_signed_mark(epp, tmch):
    encoded = tmch.encoded("1-2", ("example-one",))
    reply = create(epp, "example-one.sunrise", launch_create(
        "sunrise", f"<smd:encodedSignedMark>{encoded}</smd:encodedSignedMark>"))
    assert reply.code == 1000, reply
    info = epp.command("<info><d:info><d:name>example-one.sunrise</d:name></d:info></info>")
    assert info.text("e:response/e:resData/d:infData/d:clID") == "reg1"


def test_sunrise_create_with_an_embedded_signed_mark(epp, tmch):
    xml = tmch.signed_mark("1-5", ("embedded",)).decode()
    reply = create(epp, "embedded.sunrise", launch_create("sunrise", xml))
    assert reply.code == 1000, reply


@pytest.mark.parametrize(("case", "message"), [
    ("revoked", "revoked (SMD revocation list)"),
    ("other label", "does not cover the label"),
    ("tampered", "does not verify"),
    ("no mark", "signed mark"),
])
def test_sunrise_refusals(epp, tmch, case, message):
    smd_id = "9-9" if case == "revoked" else "1-3"
    labels = ("somebody-else",) if case == "other label" else ("refused",)
    encoded = tmch.encoded(smd_id, labels)
    if case == "tampered":
        encoded = base64.b64encode(base64.b64decode(encoded).replace(
            b"Example Inc.", b"Other Inc.")).decode()
    body = "" if case == "no mark" else \
        f"<smd:encodedSignedMark>{encoded}</smd:encodedSignedMark>"
    reply = create(epp, "refused.sunrise", launch_create("sunrise", body))
    assert reply.code in (2003, 2306) and message in reply.msg, reply


def test_claims_create_with_an_acknowledged_notice(epp):
    not_after = (NOW + timedelta(days=1)).replace(microsecond=0)
    refused = create(epp, "example-one.claims", launch_create("claims", ""))
    assert refused.code == 2003 and "claims notice" in refused.msg
    expired = create(epp, "example-one.claims", launch_create("claims", notice(
        "example-one", NOW - timedelta(hours=1), NOW - timedelta(hours=2))))
    assert expired.code == 2306 and "expired" in expired.msg
    old = create(epp, "example-one.claims", launch_create("claims", notice(
        "example-one", not_after, NOW - timedelta(days=400))))
    assert old.code == 2306 and "48 hours" in old.msg
    other = create(epp, "example-one.claims", launch_create("claims", notice(
        "other-label", not_after, NOW - timedelta(hours=1))))
    assert other.code == 2306 and "checksum" in other.msg
    reply = create(epp, "example-one.claims", launch_create("claims", notice(
        "example-one", not_after, NOW - timedelta(hours=1))))
    assert reply.code == 1000, reply


def test_applications_are_not_offered(epp):
    reply = epp.command(
        "<info><d:info><d:name>example-one.sunrise</d:name></d:info></info>",
        f'<launch:info xmlns:launch="{LAUNCH}"><launch:phase>sunrise</launch:phase>'
        "<launch:applicationID>abc</launch:applicationID></launch:info>")
    assert reply.code == 2102 and "applications" in reply.msg
