"""launch-1.0 (RFC 8334) through the real server, as RST's minimumRPMs cases drive it:
claims check keys, a sunrise create with an encoded and with an embedded signed mark (test
TMCH generated here), a claims create with an acknowledged notice, and the refusals; sunrise
applications: filing, launch:info, update, delete, allocation of contended names."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from eppd_core_world import EXTENSIONS, PRICES, STRONG, core_world
from eppd_launch_frames import LAUNCH, launch_create, notice

from registry.admin.tlds import add_tld, get_tld, set_price
from registry.errors import EppError
from registry.flows.context import Actor
from registry.launch.allocation import allocate
from registry.launch.phases import set_phase
from registry.launch.tmch_data import lordn
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
        for tld, phase in (("sunrise", "sunrise"), ("claims", "claims"), ("apply", "sunrise")):
            add_tld(ctx, tld)
            for op, amount in PRICES.items():
                set_price(ctx, tld, op, "USD", amount)
            set_phase(ctx, tld, phase, NOW - timedelta(days=1), NOW + timedelta(days=30),
                      applications=tld == "apply")
        install(ctx, kit, (("example-one", KEY),))
    world.registry.run(work, Actor.operator("test"))
    return kit


@pytest.fixture(scope="module")
def epp(world, tmch):
    with world.session("reg1", extensions=(*EXTENSIONS, LAUNCH)) as session:
        yield session


@pytest.fixture(scope="module")
def epp2(world, tmch):
    with world.session("reg2", extensions=(*EXTENSIONS, LAUNCH)) as session:
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


def test_info_of_a_registration_gives_its_phase(epp, tmch):
    encoded = tmch.encoded("1-7", ("phased",))
    assert create(epp, "phased.sunrise", launch_create(
        "sunrise", f"<smd:encodedSignedMark>{encoded}</smd:encodedSignedMark>")).code == 1000
    reply = epp.command("<info><d:info><d:name>phased.sunrise</d:name></d:info></info>",
                        launch_ref("info", "sunrise"))
    assert reply.code == 1000, reply
    data = reply.ext(f"{{{LAUNCH}}}infData")
    assert data.findtext(f"{{{LAUNCH}}}phase") == "sunrise"
    assert data.find(f"{{{LAUNCH}}}applicationID") is None


def test_a_registration_phase_refuses_applications(epp, tmch):
    encoded = tmch.encoded("1-8", ("nope",))
    reply = create(epp, "nope.sunrise", launch_create(
        "sunrise", f"<smd:encodedSignedMark>{encoded}</smd:encodedSignedMark>", "application"))
    assert reply.code == 2306 and "registers names at once" in reply.msg, reply


def launch_ref(verb: str, phase: str, application_id: str | None = None) -> str:
    ident = f"<launch:applicationID>{application_id}</launch:applicationID>" \
        if application_id else ""
    return (f'<launch:{verb} xmlns:launch="{LAUNCH}"><launch:phase>{phase}</launch:phase>'
            f"{ident}</launch:{verb}>")


def apply(epp, tmch, label: str, smd_id: str, kind: str | None = None):
    encoded = tmch.encoded(smd_id, (label,))
    return create(epp, f"{label}.apply", launch_create(
        "sunrise", f"<smd:encodedSignedMark>{encoded}</smd:encodedSignedMark>", kind))


def application_id(reply) -> str:
    assert reply.code == 1001, reply
    data = reply.ext(f"{{{LAUNCH}}}creData")
    assert data.findtext(f"{{{LAUNCH}}}phase") == "sunrise"
    assert reply.text("e:response/e:resData/d:creData/d:exDate") is None
    return data.findtext(f"{{{LAUNCH}}}applicationID")


def app_info(epp, name: str, ident: str, extra: str = ""):
    return epp.command(f"<info><d:info><d:name>{name}</d:name>{extra}</d:info></info>",
                       launch_ref("info", "sunrise", ident))


def balance(world, clid: str) -> int:
    return world.registrar(clid).balance


def test_sunrise_applications_from_filing_to_allocation(world, epp, epp2, tmch):
    before = balance(world, "reg1"), balance(world, "reg2")
    # filing: type application or unsaid; a registration, or no signed mark, is refused
    mine = application_id(apply(epp, tmch, "contended", "2-1", "application"))
    theirs = application_id(apply(epp2, tmch, "contended", "2-2"))
    alone = application_id(apply(epp, tmch, "alone", "2-3"))
    withdrawn = application_id(apply(epp2, tmch, "withdrawn", "2-4"))
    assert balance(world, "reg1") == before[0] - 2 * PRICES["create"]
    again = apply(epp, tmch, "contended", "2-1")
    assert again.code == 2302, again
    registration = apply(epp, tmch, "direct", "2-5", "registration")
    assert registration.code == 2306 and "takes applications" in registration.msg
    bare = create(epp, "bare.apply", "")
    assert bare.code == 2003 and "takes applications" in bare.msg
    second = application_id(apply(epp, tmch, "second", "2-6"))
    wrong = create(epp, "wrong.apply", launch_create("sunrise", "<smd:encodedSignedMark>"
                   f"{tmch.encoded('2-7', ('other',))}</smd:encodedSignedMark>"))
    assert wrong.code == 2306 and "does not cover" in wrong.msg

    # info: the applicant's, as a domain pending create with its launch status
    info = app_info(epp, "contended.apply", mine)
    assert info.code == 1000, info
    assert info.find("e:response/e:resData/d:infData/d:status").get("s") == "pendingCreate"
    assert info.text("e:response/e:resData/d:infData/d:clID") == "reg1"
    data = info.ext(f"{{{LAUNCH}}}infData")
    assert data.findtext(f"{{{LAUNCH}}}applicationID") == mine
    assert data.find(f"{{{LAUNCH}}}status").get("s") == "pendingAllocation"
    assert app_info(epp2, "contended.apply", mine).code == 2201
    assert app_info(epp, "contended.apply", "999999").code == 2303
    assert app_info(epp, "alone.apply", mine).code == 2303  # another name's id
    assert epp.command("<info><d:info><d:name>contended.apply</d:name></d:info></info>"
                       ).code == 2303  # no domain yet

    # update: links and authInfo while pending, nothing else, the applicant only
    update = epp.command(
        "<update><d:update><d:name>alone.apply</d:name><d:chg><d:authInfo><d:pw>"
        f"{STRONG}-new</d:pw></d:authInfo></d:chg></d:update></update>",
        launch_ref("update", "sunrise", alone))
    assert update.code == 1000, update
    statuses = epp.command(
        "<update><d:update><d:name>alone.apply</d:name><d:add><d:status s="
        '"clientHold"/></d:add></d:update></update>', launch_ref("update", "sunrise", alone))
    assert statuses.code == 2102, statuses
    assert epp2.command("<update><d:update><d:name>alone.apply</d:name></d:update></update>",
                        launch_ref("update", "sunrise", alone)).code == 2201
    readable = app_info(epp2, "alone.apply", alone,
                        f"<d:authInfo><d:pw>{STRONG}-new</d:pw></d:authInfo>")
    assert readable.code == 1000, readable

    # delete: withdrawn and refunded; gone for launch:info
    assert epp.command("<delete><d:delete><d:name>withdrawn.apply</d:name></d:delete>"
                       "</delete>", launch_ref("delete", "sunrise", withdrawn)).code == 2201
    deleted = epp2.command("<delete><d:delete><d:name>withdrawn.apply</d:name></d:delete>"
                           "</delete>", launch_ref("delete", "sunrise", withdrawn))
    assert deleted.code == 1000, deleted
    assert app_info(epp2, "withdrawn.apply", withdrawn).code == 2303
    assert balance(world, "reg2") == before[1] - PRICES["create"]

    # allocation waits for the phase's end; then the uncontended name is allocated and the
    # contended one waits for the registry's winner
    def run(work):
        world.registry.policy.clear()
        return world.registry.run(work, Actor.operator("test"))

    with pytest.raises(EppError, match="still taking applications"):
        run(lambda ctx: allocate(ctx, "apply"))
    run(lambda ctx: set_phase(ctx, "apply", "sunrise", NOW - timedelta(days=2),
                              NOW - timedelta(seconds=1), applications=True))
    outcomes = {a.name: a.outcome for a in run(lambda ctx: allocate(ctx, "apply"))}
    assert outcomes == {"contended.apply": "contended", "alone.apply": "allocated",
                        "second.apply": "allocated"}
    allocated = epp.command("<info><d:info><d:name>alone.apply</d:name></d:info></info>")
    assert allocated.text("e:response/e:resData/d:infData/d:clID") == "reg1"
    assert allocated.text("e:response/e:resData/d:infData/d:exDate") is not None
    outcomes = {a.name: a.outcome
                for a in run(lambda ctx: allocate(ctx, "apply", (int(theirs),)))}
    assert outcomes == {"contended.apply": "allocated"}
    winner = epp2.command("<info><d:info><d:name>contended.apply</d:name></d:info></info>")
    assert winner.text("e:response/e:resData/d:infData/d:clID") == "reg2"
    lost = app_info(epp, "contended.apply", mine)
    assert lost.ext(f"{{{LAUNCH}}}infData").find(f"{{{LAUNCH}}}status").get("s") == \
        "rejected"
    # reg1 paid for alone and second (allocated); contended was refunded
    assert balance(world, "reg1") == before[0] - 2 * PRICES["create"]
    assert balance(world, "reg2") == before[1] - PRICES["create"]
    lordn_file = run(lambda ctx: lordn(ctx, get_tld(ctx, "apply"), "sunrise", "T"))
    allocated = {line.split(",")[1]: line.split(",")[-1] for line in lordn_file.splitlines()[2:]}
    assert set(allocated) == {"alone.apply", "second.apply", "contended.apply"}
    assert all(applied.endswith("Z") for applied in allocated.values())  # when filed
    # the registry's decisions reach the applicants by poll; a withdrawal does not
    assert outcomes_polled(epp) == {("alone.apply", "1", alone, "allocated"),
                                    ("second.apply", "1", second, "allocated"),
                                    ("contended.apply", "0", mine, "rejected")}
    assert outcomes_polled(epp2) == {("contended.apply", "1", theirs, "allocated")}


def outcomes_polled(epp) -> set[tuple]:
    """Every launch outcome in the session's queue (acked as read)."""
    seen = set()
    while True:
        reply = epp.command('<poll op="req"/>')
        if reply.code == 1300:
            return seen
        assert reply.code == 1301, reply
        pan = reply.find("e:response/e:resData/d:panData/d:name")
        data = reply.ext(f"{{{LAUNCH}}}infData")
        if pan is not None and data is not None:
            assert reply.text("e:response/e:resData/d:panData/d:paTRID/e:svTRID")
            seen.add((pan.text, pan.get("paResult"), data.findtext(
                f"{{{LAUNCH}}}applicationID"), data.find(f"{{{LAUNCH}}}status").get("s")))
        msg_id = reply.find("e:response/e:msgQ").get("id")
        assert epp.command(f'<poll op="ack" msgID="{msg_id}"/>').code == 1000
